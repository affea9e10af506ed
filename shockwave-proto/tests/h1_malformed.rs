//! Malformed requests, one table: each gets the exact status the server must
//! answer with, then the connection closes. A few valid but tricky requests too.

mod common;

use common::{Ev, drain_str, first_line, serve};
use shockwave_proto::Instant;
use shockwave_proto::h1::Config;
use shockwave_proto::h1::server::ServerConn;

const S400: &str = "HTTP/1.1 400 Bad Request";
const S413: &str = "HTTP/1.1 413 Content Too Large";
const S414: &str = "HTTP/1.1 414 URI Too Long";
const S431: &str = "HTTP/1.1 431 Request Header Fields Too Large";
const S501: &str = "HTTP/1.1 501 Not Implemented";
const S505: &str = "HTTP/1.1 505 HTTP Version Not Supported";

/// A configuration change some cases need.
#[derive(Clone, Copy, Debug)]
enum Limit {
    Default,
    Target(usize),
    HeadSize(usize),
    Headers(usize),
    Body(u64),
    Extensions(usize),
}

impl Limit {
    fn config(self) -> Config {
        let mut c = Config::default();
        match self {
            Limit::Default => {}
            Limit::Target(n) => c.max_request_target_size = n,
            Limit::HeadSize(n) => c.max_head_size = n,
            Limit::Headers(n) => c.max_headers = n,
            Limit::Body(n) => c.max_body_size = n,
            Limit::Extensions(n) => c.max_chunk_extensions_size = n,
        }
        c
    }
}

use Limit::*;

const POST_CHUNKED: &str = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

/// (what, request, limit, expected status line)
fn cases() -> Vec<(&'static str, Vec<u8>, Limit, &'static str)> {
    let long_field = format!(
        "GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n\r\n",
        "v".repeat(400)
    );
    // Leaked: a few short strings per test run keep the table one literal.
    let chunked = |body: &str| -> &'static [u8] {
        Box::leak(
            format!("{POST_CHUNKED}{body}")
                .into_bytes()
                .into_boxed_slice(),
        )
    };
    let table: Vec<(&str, &[u8], Limit, &str)> = vec![
        // --- line endings ---
        ("bare LF after request line", b"GET / HTTP/1.1\nHost: a\r\n\r\n", Default, S400),
        ("bare LF after field", b"GET / HTTP/1.1\r\nHost: a\n\r\n", Default, S400),
        ("bare LF ends head", b"GET / HTTP/1.1\r\nHost: a\r\n\n", Default, S400),
        ("bare LF before request", b"\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("bare CR after version", b"GET / HTTP/1.1\rHost: a\r\n\r\n", Default, S400),
        ("bare CR in value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", Default, S400),
        ("bare CR at line start", b"GET / HTTP/1.1\r\nHost: a\r\n\rX: b\r\n\r\n", Default, S400),
        // --- field syntax ---
        ("space before colon", b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", Default, S400),
        ("tab before colon", b"GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", Default, S400),
        ("obs-fold", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", Default, S400),
        ("obs-fold with tab", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", Default, S400),
        ("paren in method", b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("at sign in method", b"GE@T / HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("empty method", b" / HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("NUL in method", b"G\0T / HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("paren in field name", b"GET / HTTP/1.1\r\nHost: a\r\nX(y: 1\r\n\r\n", Default, S400),
        ("slash in field name", b"GET / HTTP/1.1\r\nHost: a\r\nX/y: 1\r\n\r\n", Default, S400),
        ("empty field name", b"GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", Default, S400),
        ("non-ASCII field name", b"GET / HTTP/1.1\r\nHost: a\r\nX\xc3\xa9: 1\r\n\r\n", Default, S400),
        ("field line without colon", b"GET / HTTP/1.1\r\nHost: a\r\nXyz\r\n\r\n", Default, S400),
        ("NUL in value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", Default, S400),
        ("DEL in value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", Default, S400),
        ("SOH in value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", Default, S400),
        ("ESC in value", b"GET / HTTP/1.1\r\nHost: a\r\nX: \x1b[0m\r\n\r\n", Default, S400),
        // --- Content-Length ---
        ("CL with plus", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\nx", Default, S400),
        ("CL negative", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", Default, S400),
        ("CL hex", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", Default, S400),
        ("CL with inner space", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", Default, S400),
        ("CL empty", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", Default, S400),
        ("CL overflow", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", Default, S400),
        ("CL decimal point", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1.0\r\n\r\n", Default, S400),
        ("CL two fields differ", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx", Default, S400),
        ("CL list differs", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", Default, S400),
        ("CL list with empty element", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n", Default, S400),
        // --- Transfer-Encoding ---
        ("CL and TE", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Default, S400),
        ("TE and CL", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", Default, S400),
        ("TE gzip", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", Default, S400),
        ("TE chunked then gzip", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", Default, S400),
        ("TE identity", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", Default, S400),
        ("TE empty", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", Default, S400),
        ("TE chunked with parameter", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", Default, S400),
        ("TE gzip before chunked", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", Default, S501),
        ("TE gzip line, chunked line", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", Default, S501),
        ("TE chunked twice", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", Default, S400),
        ("TE chunked on two lines", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", Default, S400),
        ("TE in HTTP/1.0", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Default, S400),
        // --- chunked body ---
        ("chunk size overflow", chunked("10000000000000000\r\n"), Default, S400),
        ("chunk size too many digits", chunked(&format!("{}1\r\n", "0".repeat(40))), Default, S400),
        ("chunk size non-hex", chunked("g\r\n"), Default, S400),
        ("chunk size negative", chunked("-1\r\n"), Default, S400),
        ("chunk size 0x prefix", chunked("0x5\r\nhello\r\n0\r\n\r\n"), Default, S400),
        ("chunk size empty", chunked("\r\nhello\r\n"), Default, S400),
        ("chunk size space before", chunked(" 5\r\nhello\r\n"), Default, S400),
        ("chunk size bare LF", chunked("5\nhello\r\n"), Default, S400),
        ("chunk data without CRLF", chunked("5\r\nhelloX\r\n"), Default, S400),
        ("chunk data with LF only", chunked("5\r\nhello\n0\r\n\r\n"), Default, S400),
        ("chunk data too long", chunked("3\r\nhello\r\n"), Default, S400),
        ("chunk ext empty name", chunked("5;\r\nhello\r\n"), Default, S400),
        ("chunk ext name with space", chunked("5;a b\r\nhello\r\n"), Default, S400),
        ("chunk ext unterminated quote", chunked("5;a=\"b\r\nhello\r\n"), Default, S400),
        ("chunk ext empty value", chunked("5;a=\r\nhello\r\n"), Default, S400),
        ("chunk ext over the limit", chunked("5;aaaaaaaaaaaaaaaa\r\nhello\r\n"), Extensions(8), S400),
        ("chunk ext over the limit summed", chunked("1;aaaa\r\nx\r\n1;bbbb\r\ny\r\n"), Extensions(8), S400),
        ("trailer obs-fold", chunked("0\r\nX: a\r\n b\r\n\r\n"), Default, S400),
        ("trailer bare LF", chunked("0\r\nX: a\n\r\n"), Default, S400),
        ("trailers too many", chunked("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), Headers(2), S431),
        // --- Host ---
        ("missing Host", b"GET / HTTP/1.1\r\nX: y\r\n\r\n", Default, S400),
        ("two Hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", Default, S400),
        ("two Hosts, one empty", b"GET / HTTP/1.1\r\nHost:\r\nHost: a\r\n\r\n", Default, S400),
        ("Host with space", b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", Default, S400),
        ("Host with slash", b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", Default, S400),
        ("Host with userinfo", b"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", Default, S400),
        ("Host bad port", b"GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", Default, S400),
        ("Host unclosed IPv6", b"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", Default, S400),
        ("two Hosts in HTTP/1.0", b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", Default, S400),
        // --- request line and version ---
        ("HTTP/0.9 simple request", b"GET /\r\n", Default, S400),
        ("HTTP/0.9 version", b"GET / HTTP/0.9\r\nHost: a\r\n\r\n", Default, S505),
        ("HTTP/2.0", b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", Default, S505),
        ("HTTP/3.0", b"GET / HTTP/3.0\r\nHost: a\r\n\r\n", Default, S505),
        ("HTTP/1.x", b"GET / HTTP/1.x\r\nHost: a\r\n\r\n", Default, S400),
        ("HTTP/1.10", b"GET / HTTP/1.10\r\nHost: a\r\n\r\n", Default, S400),
        ("HTTP/1", b"GET / HTTP/1\r\nHost: a\r\n\r\n", Default, S400),
        ("lowercase http/1.1", b"GET / http/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("space after version", b"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", Default, S400),
        ("two spaces after method", b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("tab as separator", b"GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("control char in target", b"GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("non-ASCII in target", b"GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("garbage target", b"GET foo HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("absolute-form without //", b"GET http:/a HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("absolute-form bad scheme", b"GET 1http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("CONNECT origin-form", b"CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("CONNECT without port", b"CONNECT a.example HTTP/1.1\r\nHost: a.example\r\n\r\n", Default, S400),
        ("CONNECT absolute-form", b"CONNECT http://a:80/ HTTP/1.1\r\nHost: a:80\r\n\r\n", Default, S400),
        ("asterisk with GET", b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("two leading empty lines", b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("whitespace-only line first", b" \r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", Default, S400),
        ("whitespace line after request line", b"GET / HTTP/1.1\r\n \r\nHost: a\r\n\r\n", Default, S400),
        ("whitespace before first field", b"GET / HTTP/1.1\r\n Host: a\r\n\r\n", Default, S400),
        // --- limits ---
        ("target too long", b"GET /0123456789abcdefgh HTTP/1.1\r\nHost: a\r\n\r\n", Target(16), S414),
        ("head too large", long_field.as_bytes(), HeadSize(256), S431),
        ("head too large, unfinished", &long_field.as_bytes()[..300], HeadSize(256), S431),
        ("too many fields", b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", Headers(4), S431),
        ("CL over max_body_size", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", Body(10), S413),
        ("chunked over max_body_size", chunked("6\r\nhello,\r\n6\r\n world\r\n0\r\n\r\n"), Body(10), S413),
    ];
    table
        .into_iter()
        .map(|(what, bytes, limit, status)| (what, bytes.to_vec(), limit, status))
        .collect()
}

/// Feeds `pieces` until the machine reports an error; returns the output.
fn reject(config: Config, pieces: &[&[u8]], what: &str) -> String {
    let mut conn = ServerConn::new(config);
    let mut error = None;
    for piece in pieces {
        match conn.handle_input(Instant::ZERO, piece) {
            Ok(_) => {}
            Err(e) => {
                error = Some(e);
                break;
            }
        }
        // A head can be complete before its body turns out bad: take its events.
        let _ = common::events(&mut conn);
    }
    let error = error.unwrap_or_else(|| panic!("{what}: accepted"));
    let out = drain_str(&mut conn);
    assert!(conn.is_closed(), "{what}: not closed");
    assert_eq!(conn.error(), Some(error), "{what}");
    // The error sticks, and no second response is written.
    assert_eq!(
        conn.handle_input(Instant::ZERO, b"GET / HTTP/1.1\r\n"),
        Err(error)
    );
    assert!(conn.poll_event().is_none());
    assert!(conn.poll_transmit().is_none(), "{what}: more output");
    assert_eq!(out.matches("HTTP/1.1 ").count(), 1, "{what}: {out}");
    assert!(out.contains("\r\nconnection: close\r\n"), "{what}: {out}");
    assert!(out.ends_with("\r\n\r\n"), "{what}: {out}");
    out
}

#[test]
fn malformed_requests_get_their_status_and_close() {
    let cases = cases();
    assert!(cases.len() >= 45);
    for (what, bytes, limit, status) in &cases {
        let out = reject(limit.config(), &[bytes], what);
        assert_eq!(first_line(&out), *status, "{what}");
    }
}

#[test]
fn malformed_requests_byte_by_byte_get_the_same_status() {
    for (what, bytes, limit, status) in cases() {
        let pieces: Vec<&[u8]> = bytes.chunks(1).collect();
        let out = reject(limit.config(), &pieces, what);
        assert_eq!(first_line(&out), status, "{what} (byte by byte)");
    }
}

#[test]
fn malformed_request_after_a_good_one_is_answered_after_it() {
    let input = b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost : a\r\n\r\n";
    let (log, out, _) = serve(Config::default(), input);
    let out = String::from_utf8(out).unwrap();
    assert_eq!(
        log,
        [common::head("GET", "/1", &[("Host", "a")]), Ev::Finished]
    );
    assert_eq!(
        out,
        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok\
         HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
}

/// Valid requests that look suspicious; each must be accepted and answered 200.
#[test]
fn tricky_valid_requests_are_accepted() {
    let cases: &[(&str, &[u8], &[u8])] = &[
        ("HTTP/1.2 is 1.1", b"GET / HTTP/1.2\r\nHost: a\r\n\r\n", b""),
        ("HTTP/1.9 is 1.1", b"GET / HTTP/1.9\r\nHost: a\r\n\r\n", b""),
        ("CL list of equal values", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello", b"hello"),
        ("CL repeated", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\nhello", b"hello"),
        ("CL leading zeros", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 005\r\n\r\nhello", b"hello"),
        ("empty Host", b"GET / HTTP/1.1\r\nHost:\r\n\r\n", b""),
        ("Host with port", b"GET / HTTP/1.1\r\nHost: a.example:8080\r\n\r\n", b""),
        ("IPv6 Host", b"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", b""),
        ("one leading CRLF", b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", b""),
        ("HTTP/1.0 without Host", b"GET / HTTP/1.0\r\n\r\n", b""),
        ("absolute-form", b"GET http://a.example/x?y HTTP/1.1\r\nHost: a.example\r\n\r\n", b""),
        ("OPTIONS asterisk", b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", b""),
        ("extension method", b"PROPFIND /x HTTP/1.1\r\nHost: a\r\n\r\n", b""),
        ("tab and obs-text in value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\tb \xff\r\n\r\n", b""),
        ("whitespace around value", b"GET / HTTP/1.1\r\nHost: \t a \t\r\n\r\n", b""),
        ("TE case-insensitive", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", b"hello"),
        ("chunk extensions", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b;c=\"d \\\"e\" ; f\r\nhello\r\n0;z\r\n\r\n", b"hello"),
        ("chunk size leading zeros, uppercase hex", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n000A\r\n0123456789\r\n0\r\n\r\n", b"0123456789"),
        ("empty CL body", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", b""),
    ];
    for (what, input, body) in cases {
        let (log, out, err) = serve(Config::default(), input);
        assert_eq!(err, None, "{what}");
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{what}: {out}");
        assert!(matches!(log.first(), Some(Ev::Head { .. })), "{what}");
        assert_eq!(log.last(), Some(&Ev::Finished), "{what}");
        let got: Vec<u8> = common::normalize(log)
            .into_iter()
            .filter_map(|e| match e {
                Ev::Data(d) => Some(d),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(&got, body, "{what}");
    }
}

#[test]
fn http_1_2_is_reported_as_1_1() {
    let (log, _, _) = serve(Config::default(), b"GET / HTTP/1.2\r\nHost: a\r\n\r\n");
    assert_eq!(log[0], common::head("GET", "/", &[("Host", "a")]));
}
