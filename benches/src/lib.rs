//! Benchmark inputs and the two parsers under test, wrapped alike.
//!
//! The inputs are httparse's own benchmark inputs (`benches/parse.rs` of
//! httparse 1.10: its short and "kittyhell" requests and its two responses)
//! plus a browser-like request with 32 field lines. `run.sh` runs both
//! harnesses and prints the ratios.

pub mod hpack;

use shockwave_proto::h1::ParseOptions;
use shockwave_proto::h1::head::FieldSpan;
use shockwave_proto::h1::parse::{self, Parsed};

/// httparse's `REQ_SHORT`.
pub const REQ_SHORT: &[u8] = b"\
GET / HTTP/1.0\r\n\
Host: example.com\r\n\
Cookie: session=60; user_id=1\r\n\r\n";

/// httparse's `REQ` (the "kittyhell" request).
pub const REQ: &[u8] = b"\
GET /wp-content/uploads/2010/03/hello-kitty-darth-vader-pink.jpg HTTP/1.1\r\n\
Host: www.kittyhell.com\r\n\
User-Agent: Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.6; ja-JP-mac; rv:1.9.2.3) Gecko/20100401 Firefox/3.6.3 Pathtraq/0.9\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: ja,en-us;q=0.7,en;q=0.3\r\n\
Accept-Encoding: gzip,deflate\r\n\
Accept-Charset: Shift_JIS,utf-8;q=0.7,*;q=0.7\r\n\
Keep-Alive: 115\r\n\
Connection: keep-alive\r\n\
Cookie: wp_ozh_wsa_visits=2; wp_ozh_wsa_visit_lasttime=xxxxxxxxxx; __utma=xxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.x; __utmz=xxxxxxxxx.xxxxxxxxxx.x.x.utmccn=(referral)|utmcsr=reader.livedoor.com|utmcct=/reader/|utmcmd=referral|padding=under256\r\n\r\n";

/// httparse's `RESP_SHORT`.
pub const RESP_SHORT: &[u8] = b"\
HTTP/1.0 200 OK\r\n\
Date: Wed, 21 Oct 2015 07:28:00 GMT\r\n\
Set-Cookie: session=60; user_id=1\r\n\r\n";

/// httparse's `RESP`.
pub const RESP: &[u8] = b"\
HTTP/1.1 200 OK\r\n\
Date: Wed, 21 Oct 2015 07:28:00 GMT\r\n\
Host: www.kittyhell.com\r\n\
User-Agent: Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.6; ja-JP-mac; rv:1.9.2.3) Gecko/20100401 Firefox/3.6.3 Pathtraq/0.9\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: ja,en-us;q=0.7,en;q=0.3\r\n\
Accept-Encoding: gzip,deflate\r\n\
Accept-Charset: Shift_JIS,utf-8;q=0.7,*;q=0.7\r\n\
Keep-Alive: 115\r\n\
Connection: keep-alive\r\n\
Cookie: wp_ozh_wsa_visits=2; wp_ozh_wsa_visit_lasttime=xxxxxxxxxx; __utma=xxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.x; __utmz=xxxxxxxxx.xxxxxxxxxx.x.x.utmccn=(referral)|utmcsr=reader.livedoor.com|utmcct=/reader/|utmcmd=referral|padding=under256\r\n\r\n";

/// A browser request with 32 field lines.
pub const REQ_MANY: &[u8] = b"\
GET /api/v2/projects/shockwave/issues?state=open&sort=updated&per_page=50 HTTP/1.1\r\n\
Host: api.example.com\r\n\
Connection: keep-alive\r\n\
sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n\
sec-ch-ua-mobile: ?0\r\n\
sec-ch-ua-platform: \"Linux\"\r\n\
Upgrade-Insecure-Requests: 1\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8\r\n\
Sec-Fetch-Site: same-origin\r\n\
Sec-Fetch-Mode: navigate\r\n\
Sec-Fetch-User: ?1\r\n\
Sec-Fetch-Dest: document\r\n\
Referer: https://www.example.com/projects/shockwave\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9,fr;q=0.8,de;q=0.7\r\n\
Cookie: _ga=GA1.2.1234567890.1700000000; _gid=GA1.2.987654321.1700000000; session_id=8f14e45fceea167a5a36dedd4bea2543; theme=dark\r\n\
Cache-Control: max-age=0\r\n\
Pragma: no-cache\r\n\
If-None-Match: W/\"5e15153d-120f\"\r\n\
If-Modified-Since: Wed, 21 Oct 2015 07:28:00 GMT\r\n\
DNT: 1\r\n\
Priority: u=0, i\r\n\
Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\r\n\
X-Requested-With: XMLHttpRequest\r\n\
X-Forwarded-For: 203.0.113.195, 70.41.3.18, 150.172.238.178\r\n\
X-Forwarded-Proto: https\r\n\
X-Request-Id: f058ebd6-02f7-4d3f-942e-904344e8cde5\r\n\
Forwarded: for=192.0.2.60;proto=http;by=203.0.113.43\r\n\
Origin: https://www.example.com\r\n\
Content-Type: application/json; charset=utf-8\r\n\
Via: 1.1 vegur\r\n\
TE: trailers\r\n\r\n";

/// Every input: name, bytes, whether it is a request.
pub const INPUTS: &[(&str, &[u8], bool)] = &[
    ("req_short", REQ_SHORT, true),
    ("req_kittyhell", REQ, true),
    ("req_32_fields", REQ_MANY, true),
    ("resp_short", RESP_SHORT, false),
    ("resp", RESP, false),
];

/// One benchmark case: the input and the field arrays of both parsers, made
/// before the measurement starts so that only parsing is measured.
pub struct Case {
    /// The head.
    pub buf: &'static [u8],
    /// Whether it is a request (else a response).
    pub request: bool,
    /// Shockwave's field spans.
    pub fields: Vec<FieldSpan>,
    /// httparse's headers.
    pub headers: Vec<httparse::Header<'static>>,
}

/// The case for `INPUTS[i]`. Both parsers run once here, so that one-time
/// costs (their CPU feature detection) stay out of the measurement.
pub fn case(i: usize) -> Case {
    let (_, buf, request) = INPUTS[i];
    let mut c = Case {
        buf,
        request,
        fields: vec![FieldSpan::default(); 40],
        headers: vec![httparse::EMPTY_HEADER; 40],
    };
    shockwave(buf, request, &mut c.fields);
    httparse(buf, request, &mut c.headers);
    c
}

/// Parses with Shockwave; returns the head length and the field count.
#[inline(never)]
pub fn shockwave(buf: &[u8], request: bool, fields: &mut [FieldSpan]) -> (usize, usize) {
    let opts = ParseOptions::default();
    let parsed = if request {
        parse::parse_request(buf, fields, &opts).map(|p| match p {
            Parsed::Complete { fields, len, .. } => (len, fields),
            Parsed::Partial => (0, 0),
        })
    } else {
        parse::parse_response(buf, fields, &opts).map(|p| match p {
            Parsed::Complete { fields, len, .. } => (len, fields),
            Parsed::Partial => (0, 0),
        })
    };
    parsed.unwrap_or((0, 0))
}

/// Parses with httparse; returns the head length and the field count.
#[inline(never)]
pub fn httparse<'b>(
    buf: &'b [u8],
    request: bool,
    headers: &mut [httparse::Header<'b>],
) -> (usize, usize) {
    let parsed = if request {
        let mut r = httparse::Request::new(headers);
        r.parse(buf).map(|s| (s, r.headers.len()))
    } else {
        let mut r = httparse::Response::new(headers);
        r.parse(buf).map(|s| (s, r.headers.len()))
    };
    match parsed {
        Ok((httparse::Status::Complete(len), n)) => (len, n),
        _ => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parse_every_input_alike() {
        for (i, (name, buf, _)) in INPUTS.iter().enumerate() {
            let mut c = case(i);
            let s = shockwave(c.buf, c.request, &mut c.fields);
            assert_eq!(s.0, buf.len(), "{name}");
            assert_eq!(s, httparse(c.buf, c.request, &mut c.headers), "{name}");
        }
    }
}
