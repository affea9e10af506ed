use super::*;
use crate::h1::head::{Method, Span, TargetForm};
use alloc::vec;
use alloc::vec::Vec;
use proptest::prelude::*;

/// `super::parse_request` with every kernel, checked to agree (fields included).
fn parse_request(
    buf: &[u8],
    f: &mut [FieldSpan],
    o: &ParseOptions,
) -> Result<Parsed<RequestLine>, Error> {
    crate::simd::each_kernel(|| (super::parse_request(buf, f, o), f.to_vec())).0
}

fn parse_response(
    buf: &[u8],
    f: &mut [FieldSpan],
    o: &ParseOptions,
) -> Result<Parsed<StatusLine>, Error> {
    crate::simd::each_kernel(|| (super::parse_response(buf, f, o), f.to_vec())).0
}

fn parse_fields(buf: &[u8], f: &mut [FieldSpan], o: &ParseOptions) -> Result<Parsed<()>, Error> {
    crate::simd::each_kernel(|| (super::parse_fields(buf, f, o), f.to_vec())).0
}

fn req(buf: &[u8]) -> Result<Parsed<RequestLine>, ErrorKind> {
    let mut f = [FieldSpan::default(); 32];
    parse_request(buf, &mut f, &ParseOptions::default()).map_err(|e| e.kind())
}

fn req_err(buf: &[u8]) -> ErrorKind {
    req(buf).expect_err("should fail")
}

fn resp(buf: &[u8]) -> Result<Parsed<StatusLine>, ErrorKind> {
    let mut f = [FieldSpan::default(); 32];
    parse_response(buf, &mut f, &ParseOptions::default()).map_err(|e| e.kind())
}

/// Parses a complete request and returns the line and the fields as slices.
/// A field line as (name, value) slices.
type FieldPair<'a> = (&'a [u8], &'a [u8]);

fn full_req(buf: &[u8]) -> (RequestLine, Vec<FieldPair<'_>>, usize) {
    let mut f = [FieldSpan::default(); 32];
    match parse_request(buf, &mut f, &ParseOptions::default()).unwrap() {
        Parsed::Complete { line, fields, len } => (
            line,
            f[..fields]
                .iter()
                .map(|s| (s.name.of(buf), s.value.of(buf)))
                .collect(),
            len,
        ),
        Parsed::Partial => panic!("partial"),
    }
}

#[test]
fn simple_get() {
    let buf = b"GET /index.html HTTP/1.1\r\nHost: www.example.org\r\n\r\n";
    let (line, fields, len) = full_req(buf);
    assert_eq!(line.method, Method::Get);
    assert_eq!(line.method_span, Span::new(0, 3));
    assert_eq!(line.target.of(buf), b"/index.html");
    assert_eq!(line.form, TargetForm::Origin);
    assert_eq!(line.version, Version::Http11);
    assert_eq!(fields, [(&b"Host"[..], &b"www.example.org"[..])]);
    assert_eq!(len, buf.len());
}

#[test]
fn rfc9112_examples() {
    // Section 2.1.
    let buf = b"GET /hello.txt HTTP/1.1\r\nUser-Agent: curl/7.64.1\r\nHost: www.example.com\r\nAccept-Language: en, mi\r\n\r\n";
    let (line, fields, _) = full_req(buf);
    assert_eq!(line.target.of(buf), b"/hello.txt");
    assert_eq!(fields.len(), 3);
    assert_eq!(fields[2], (&b"Accept-Language"[..], &b"en, mi"[..]));
    // Section 3.2.1, 3.2.2, 3.2.3, 3.2.4: the four forms.
    let (l, _, _) = full_req(b"GET /where?q=now HTTP/1.1\r\nHost: www.example.org\r\n\r\n");
    assert_eq!(l.form, TargetForm::Origin);
    let (l, _, _) =
        full_req(b"GET http://www.example.org/pub/WWW/TheProject.html HTTP/1.1\r\n\r\n");
    assert_eq!(l.form, TargetForm::Absolute);
    let (l, _, _) =
        full_req(b"CONNECT www.example.com:80 HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
    assert_eq!((l.method, l.form), (Method::Connect, TargetForm::Authority));
    let (l, _, _) = full_req(b"OPTIONS * HTTP/1.1\r\nHost: www.example.org:8001\r\n\r\n");
    assert_eq!((l.method, l.form), (Method::Options, TargetForm::Asterisk));
    // Section 4: a status line.
    let buf = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    match resp(buf).unwrap() {
        Parsed::Complete { line, fields, len } => {
            assert_eq!(line.status, 200);
            assert_eq!(line.reason.of(buf), b"OK");
            assert_eq!((fields, len), (1, buf.len()));
        }
        Parsed::Partial => panic!(),
    }
}

#[test]
fn methods_and_versions() {
    for (m, want) in [
        (&b"POST"[..], Method::Post),
        (b"PUT", Method::Put),
        (b"DELETE", Method::Delete),
        (b"PATCH", Method::Patch),
        (b"HEAD", Method::Head),
        (b"TRACE", Method::Trace),
        (b"M-SEARCH", Method::Other),
        (b"get", Method::Other),
    ] {
        let mut buf = m.to_vec();
        buf.extend_from_slice(b" / HTTP/1.0\r\n\r\n");
        let (line, _, _) = full_req(&buf);
        assert_eq!(line.method, want);
        assert_eq!(line.method_span.of(&buf), m);
        assert_eq!(line.version, Version::Http10);
    }
    let (l, _, _) = full_req(b"GET / HTTP/1.9\r\n\r\n");
    assert_eq!(l.version, Version::Http11);
    assert_eq!(
        req_err(b"GET / HTTP/2.0\r\n\r\n"),
        ErrorKind::UnsupportedVersion
    );
    assert_eq!(
        req_err(b"GET / HTTP/0.9\r\n\r\n"),
        ErrorKind::UnsupportedVersion
    );
    assert_eq!(req_err(b"GET / HTTP/3"), ErrorKind::UnsupportedVersion);
    assert_eq!(
        req_err(b"GET / http/1.1\r\n\r\n"),
        ErrorKind::InvalidVersion
    );
    assert_eq!(
        req_err(b"GET / HTTP/1.x\r\n\r\n"),
        ErrorKind::InvalidVersion
    );
    assert_eq!(
        req_err(b"GET / HTTP/1.10\r\n\r\n"),
        ErrorKind::InvalidVersion
    );
    assert_eq!(
        req_err(b"GET / HTTP/1.1 \r\n\r\n"),
        ErrorKind::InvalidVersion
    );
    assert_eq!(req_err(b"GET / HTTP/x"), ErrorKind::InvalidVersion);
    assert_eq!(req_err(b"GET /\r\n\r\n"), ErrorKind::InvalidRequestLine);
    assert_eq!(req_err(b"GET\r\n\r\n"), ErrorKind::InvalidRequestLine);
}

#[test]
fn request_line_errors() {
    assert_eq!(
        req_err(b" GET / HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidMethod
    );
    assert_eq!(
        req_err(b"GE(T / HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidMethod
    );
    assert_eq!(
        req_err(b"GET\t/ HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidMethod
    );
    assert_eq!(
        req_err(b"GET  / HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(
        req_err(b"GET /a\tb HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(
        req_err(b"GET /a\x7fb HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(
        req_err(b"GET /\xc3\xa9 HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(
        req_err(b"GET /a\0 HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(req_err(b"GET / HTTP/1.1\rX"), ErrorKind::BareCr);
    assert_eq!(req_err(b"GET / HTTP/1.1\n\r\n"), ErrorKind::BareLf);
    assert_eq!(
        req_err(b"GET /  HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidVersion
    );
}

#[test]
fn target_forms() {
    assert_eq!(req_err(b"GET * HTTP/1.1\r\n\r\n"), ErrorKind::InvalidTarget);
    assert_eq!(
        req_err(b"OPTIONS ** HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(
        req_err(b"GET example.com HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(
        req_err(b"GET 1http://x/ HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(
        req_err(b"GET http:/x HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(
        req_err(b"CONNECT / HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(
        req_err(b"CONNECT a.com HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(
        req_err(b"CONNECT a.com: HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(
        req_err(b"CONNECT :443 HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(
        req_err(b"CONNECT a.com:4x HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(
        req_err(b"CONNECT a/b:44 HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    assert_eq!(
        req_err(b"CONNECT u@a:44 HTTP/1.1\r\n\r\n"),
        ErrorKind::InvalidTarget
    );
    let (l, _, _) = full_req(b"CONNECT [::1]:443 HTTP/1.1\r\n\r\n");
    assert_eq!(l.form, TargetForm::Authority);
    let (l, _, _) = full_req(b"OPTIONS http://a.b/ HTTP/1.1\r\n\r\n");
    assert_eq!(l.form, TargetForm::Absolute);
    let (l, _, _) = full_req(b"GET svn+ssh://a.b/c HTTP/1.1\r\n\r\n");
    assert_eq!(l.form, TargetForm::Absolute);
}

#[test]
fn target_too_long_even_when_partial() {
    let opts = ParseOptions {
        max_request_target_size: 10,
    };
    let mut f = [FieldSpan::default(); 4];
    let ok = b"GET /123456789 HTTP/1.1\r\n\r\n";
    assert!(matches!(
        parse_request(ok, &mut f, &opts),
        Ok(Parsed::Complete { .. })
    ));
    let err = parse_request(b"GET /1234567890", &mut f, &opts).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TargetTooLong);
    let mut big = b"GET /".to_vec();
    big.resize(1 << 20, b'a');
    let err = parse_request(&big, &mut f, &ParseOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TargetTooLong);
}

#[test]
fn leading_empty_lines() {
    let (l, _, len) = full_req(b"\r\nGET / HTTP/1.1\r\n\r\n");
    assert_eq!((l.method_span, len), (Span::new(2, 5), 20));
    assert_eq!(
        req_err(b"\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
        ErrorKind::LeadingEmptyLines
    );
    assert_eq!(
        req_err(b"\r\n\nGET / HTTP/1.1\r\n\r\n"),
        ErrorKind::LeadingEmptyLines
    );
    assert_eq!(req_err(b"\nGET / HTTP/1.1\r\n\r\n"), ErrorKind::BareLf);
    assert_eq!(req_err(b"\rGET / HTTP/1.1\r\n\r\n"), ErrorKind::BareCr);
    assert_eq!(req(b"\r"), Ok(Parsed::Partial));
    assert_eq!(req(b"\r\n"), Ok(Parsed::Partial));
    assert_eq!(req(b""), Ok(Parsed::Partial));
}

#[test]
fn field_values_trimmed() {
    let buf = b"GET / HTTP/1.1\r\nA: \t x y \t \r\nB:\r\nC:   \r\nD:v\r\nE: \xff\x80 z\r\n\r\n";
    let (_, f, _) = full_req(buf);
    assert_eq!(
        f,
        [
            (&b"A"[..], &b"x y"[..]),
            (b"B", b""),
            (b"C", b""),
            (b"D", b"v"),
            (b"E", b"\xff\x80 z"),
        ]
    );
}

#[test]
fn field_errors() {
    let e = |fields: &[u8]| {
        let mut b = b"GET / HTTP/1.1\r\n".to_vec();
        b.extend_from_slice(fields);
        req_err(&b)
    };
    assert_eq!(e(b"Host : x\r\n\r\n"), ErrorKind::WhitespaceBeforeColon);
    assert_eq!(e(b"Host\t: x\r\n\r\n"), ErrorKind::WhitespaceBeforeColon);
    assert_eq!(e(b"Host\r\n\r\n"), ErrorKind::MissingColon);
    assert_eq!(e(b"Host\n\r\n"), ErrorKind::MissingColon);
    assert_eq!(e(b": x\r\n\r\n"), ErrorKind::InvalidFieldName);
    assert_eq!(e(b"Ho(st: x\r\n\r\n"), ErrorKind::InvalidFieldName);
    assert_eq!(e(b"Ho\xc3st: x\r\n\r\n"), ErrorKind::InvalidFieldName);
    assert_eq!(e(b" Host: x\r\n\r\n"), ErrorKind::WhitespaceAfterStartLine);
    assert_eq!(e(b"\tHost: x\r\n\r\n"), ErrorKind::WhitespaceAfterStartLine);
    assert_eq!(e(b"A: b\r\n c\r\n\r\n"), ErrorKind::ObsFold);
    assert_eq!(e(b"A: b\r\n\tc\r\n\r\n"), ErrorKind::ObsFold);
    assert_eq!(e(b"A: b\0c\r\n\r\n"), ErrorKind::InvalidFieldValue);
    assert_eq!(e(b"A: b\x7fc\r\n\r\n"), ErrorKind::InvalidFieldValue);
    assert_eq!(e(b"A: b\x1bc\r\n\r\n"), ErrorKind::InvalidFieldValue);
    assert_eq!(e(b"A: b\nc: d\r\n\r\n"), ErrorKind::BareLf);
    assert_eq!(e(b"A: b\rc: d\r\n\r\n"), ErrorKind::BareCr);
    assert_eq!(e(b"A: b\r\n\n"), ErrorKind::BareLf);
    assert_eq!(e(b"A: b\r\n\rx"), ErrorKind::BareCr);
    assert_eq!(e(b"\n"), ErrorKind::BareLf);
}

#[test]
fn too_many_fields() {
    let buf = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    let mut f = [FieldSpan::default(); 3];
    assert!(parse_request(buf, &mut f, &ParseOptions::default()).is_ok());
    let mut f = [FieldSpan::default(); 2];
    let e = parse_request(buf, &mut f, &ParseOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooManyFields);
    // Known as soon as the third line starts.
    let e = parse_request(&buf[..29], &mut f, &ParseOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooManyFields);
    let mut none: [FieldSpan; 0] = [];
    let ok = b"GET / HTTP/1.1\r\n\r\n";
    assert!(parse_request(ok, &mut none, &ParseOptions::default()).is_ok());
}

#[test]
fn responses() {
    let one = |buf: &[u8]| match resp(buf).unwrap() {
        Parsed::Complete { line, len, .. } => {
            (line.version, line.status, line.reason.of(buf).to_vec(), len)
        }
        Parsed::Partial => panic!("partial"),
    };
    assert_eq!(
        one(b"HTTP/1.0 404 Not Found\r\n\r\n"),
        (Version::Http10, 404, b"Not Found".to_vec(), 26)
    );
    assert_eq!(one(b"HTTP/1.1 200\r\n\r\n").2, b"");
    assert_eq!(one(b"HTTP/1.1 200 \r\n\r\n").2, b"");
    assert_eq!(one(b"HTTP/1.1 999 \t\xe9t\xe9\r\n\r\n").2, b"\t\xe9t\xe9");
    assert_eq!(one(b"\r\nHTTP/1.1 100 Continue\r\n\r\n").1, 100);
    let err = |b: &[u8]| resp(b).unwrap_err();
    assert_eq!(err(b"HTTP/1.1 099 x\r\n\r\n"), ErrorKind::InvalidStatusLine);
    assert_eq!(err(b"HTTP/1.1 20 x\r\n\r\n"), ErrorKind::InvalidStatusLine);
    assert_eq!(
        err(b"HTTP/1.1 2000 x\r\n\r\n"),
        ErrorKind::InvalidStatusLine
    );
    assert_eq!(
        err(b"HTTP/1.1 200 a\0b\r\n\r\n"),
        ErrorKind::InvalidStatusLine
    );
    assert_eq!(
        err(b"HTTP/1.1 200 a\x7f\r\n\r\n"),
        ErrorKind::InvalidStatusLine
    );
    assert_eq!(err(b"HTTP/1.1\r\n\r\n"), ErrorKind::InvalidStatusLine);
    assert_eq!(
        err(b"HTTP/1.1  200 OK\r\n\r\n"),
        ErrorKind::InvalidStatusLine
    );
    assert_eq!(err(b"HTTP/1.1 200 OK\n\r\n"), ErrorKind::BareLf);
    assert_eq!(err(b"HTTP/1.1 200 OK\rx"), ErrorKind::BareCr);
    assert_eq!(err(b"HTTP/2 200 OK\r\n\r\n"), ErrorKind::UnsupportedVersion);
    assert_eq!(err(b"HTTP/1.1x200 OK\r\n\r\n"), ErrorKind::InvalidVersion);
    assert_eq!(err(b"ICY 200 OK\r\n\r\n"), ErrorKind::InvalidVersion);
    assert_eq!(
        err(b"HTTP/1.1 200 OK\r\nA : b\r\n\r\n"),
        ErrorKind::WhitespaceBeforeColon
    );
    assert_eq!(resp(b"HTTP/1.1 200 OK\r\n"), Ok(Parsed::Partial));
}

#[test]
fn trailer_sections() {
    let mut f = [FieldSpan::default(); 4];
    let o = ParseOptions::default();
    assert_eq!(
        parse_fields(b"\r\n", &mut f, &o),
        Ok(Parsed::Complete {
            line: (),
            fields: 0,
            len: 2
        })
    );
    let buf = b"Expires: never\r\nX-Sum: 1 \r\n\r\nbody";
    assert_eq!(
        parse_fields(buf, &mut f, &o),
        Ok(Parsed::Complete {
            line: (),
            fields: 2,
            len: 29
        })
    );
    assert_eq!(f[1].value.of(buf), b"1");
    assert_eq!(parse_fields(b"", &mut f, &o), Ok(Parsed::Partial));
    assert_eq!(
        parse_fields(b"Expires: never\r\n", &mut f, &o),
        Ok(Parsed::Partial)
    );
    let e = parse_fields(b" x: y\r\n\r\n", &mut f, &o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WhitespaceAfterStartLine);
}

/// Valid heads for the property tests.
fn valid_request() -> impl Strategy<Value = Vec<u8>> {
    let method = prop::sample::select(vec!["GET", "POST", "M-SEARCH", "OPTIONS"]);
    let target = "/[a-zA-Z0-9/?=&%._~-]{0,80}";
    let name = "[a-zA-Z0-9!#$%&'*+.^_`|~-]{1,40}";
    let value =
        "[ \t]{0,2}([!-~\u{80}-\u{ff}]([\t !-~\u{80}-\u{ff}]{0,90}[!-~\u{80}-\u{ff}])?)?[ \t]{0,2}";
    let fields = prop::collection::vec((name, value), 0..20);
    (any::<bool>(), method, target, any::<bool>(), fields).prop_map(|(lead, m, t, v10, fields)| {
        let mut b = Vec::new();
        if lead {
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(m.as_bytes());
        b.push(b' ');
        b.extend_from_slice(t.as_bytes());
        b.extend_from_slice(if v10 {
            b" HTTP/1.0\r\n"
        } else {
            b" HTTP/1.1\r\n"
        });
        for (n, v) in fields {
            b.extend_from_slice(n.as_bytes());
            b.push(b':');
            // Characters U+0080..U+00FF stand for the bytes 0x80..0xFF.
            b.extend(v.chars().map(|c| c as u32 as u8));
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(b"\r\n");
        b
    })
}

fn spans(
    r: &Result<Parsed<RequestLine>, Error>,
    f: &[FieldSpan],
) -> Option<(RequestLine, Vec<FieldSpan>, usize)> {
    match r {
        Ok(Parsed::Complete { line, fields, len }) => Some((*line, f[..*fields].to_vec(), *len)),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn prefixes_are_partial_and_suffixes_ignored(head in valid_request(), junk in prop::collection::vec(any::<u8>(), 0..40)) {
        let opts = ParseOptions::default();
        let mut f = [FieldSpan::default(); 32];
        let full = parse_request(&head, &mut f, &opts);
        let want = spans(&full, &f).expect("valid head parses");
        prop_assert_eq!(want.2, head.len());
        for cut in 0..head.len() {
            let mut g = [FieldSpan::default(); 32];
            prop_assert_eq!(parse_request(&head[..cut], &mut g, &opts), Ok(Parsed::Partial));
        }
        let mut more = head.clone();
        more.extend_from_slice(&junk);
        let mut g = [FieldSpan::default(); 32];
        let r = parse_request(&more, &mut g, &opts);
        prop_assert_eq!(spans(&r, &g), Some(want));
    }

    #[test]
    fn prefix_errors_agree_with_full(head in valid_request(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        // Corrupt one byte; every prefix is Partial, or fails as the whole does.
        let mut bad = head.clone();
        let i = at.index(bad.len());
        bad[i] = byte;
        let opts = ParseOptions::default();
        let mut f = [FieldSpan::default(); 32];
        let full = parse_request(&bad, &mut f, &opts);
        for cut in 0..bad.len() {
            let mut g = [FieldSpan::default(); 32];
            match parse_request(&bad[..cut], &mut g, &opts) {
                Ok(Parsed::Partial) => {}
                Ok(Parsed::Complete { len, .. }) => prop_assert!(len <= cut),
                Err(e) => prop_assert_eq!(Err(e), full.map(|_| ())),
            }
        }
    }

    #[test]
    fn no_panics(buf in prop::collection::vec(any::<u8>(), 0..300), n in 0usize..8) {
        let opts = ParseOptions { max_request_target_size: 64 };
        let mut f = [FieldSpan::default(); 8];
        let _ = parse_request(&buf, &mut f[..n], &opts);
        let _ = parse_response(&buf, &mut f[..n], &opts);
        let _ = parse_fields(&buf, &mut f[..n], &opts);
    }

    #[test]
    fn no_panics_structured(parts in prop::collection::vec(prop::sample::select(vec![
        &b"GET"[..], b" ", b"/", b"HTTP/1.1", b"\r\n", b"\r", b"\n", b":", b"a", b"\t", b"\0", b"\xff", b"HTTP/1.0 200 OK", b"*", b"CONNECT", b"x:1",
    ]), 0..40)) {
        let buf: Vec<u8> = parts.concat();
        let mut f = [FieldSpan::default(); 8];
        let opts = ParseOptions::default();
        if let Ok(Parsed::Complete { len, fields, .. }) = parse_request(&buf, &mut f, &opts) {
            prop_assert!(len <= buf.len() && fields <= 8);
        }
        let _ = parse_response(&buf, &mut f, &opts);
        let _ = parse_fields(&buf, &mut f, &opts);
    }
}

/// Mostly one of `valid` (three times in four), else one of `odd`.
fn pick(
    valid: &[&'static [u8]],
    odd: &[&'static [u8]],
) -> impl Strategy<Value = &'static [u8]> + use<> {
    prop_oneof![
        3 => prop::sample::select(valid.to_vec()),
        1 => prop::sample::select(odd.to_vec()),
    ]
}

/// Request heads near the common shape: mostly valid pieces, and the near
/// misses the one-pass parser must decline (leading CRLF, other forms and
/// versions, CONNECT, whitespace in the wrong place, bare CR/LF, control
/// bytes, too many fields, cut heads).
fn near_common_heads() -> impl Strategy<Value = Vec<u8>> {
    let method = pick(
        &[b"GET", b"POST", b"HEAD", b"CONNECT", b"OPTIONS", b"PURGE"],
        &[b"G(T", b"", b"GET\x00"],
    );
    let target = pick(
        &[b"/", b"/a/b?c=d", b"/%20~"],
        &[b"*", b"http://x/y", b"x:80", b"/\x7f", b"/a b", b""],
    );
    let version = pick(
        &[b"HTTP/1.1", b"HTTP/1.0"],
        &[b"HTTP/1.2", b"HTTP/2.0", b"http/1.1", b"HTTP/1."],
    );
    let sep = || pick(&[b" "], &[b"  ", b"\t", b""]);
    let eol = || pick(&[b"\r\n"], &[b"\n", b"\r", b"\r\r\n"]);
    let name = pick(&[b"Host", b"content-length", b"x"], &[b"a b", b"", b"\xff"]);
    let colon = pick(&[b":"], &[b" :", b""]);
    let ows = || pick(&[b"", b" "], &[b"\t ", b"  "]);
    let value = pick(
        &[b"127.0.0.1:40123", b"", b"a b", b"0"],
        &[b"\x80\xff", b"x\x01y", b"v\x7f"],
    );
    let field = (name, colon, ows(), value, ows(), eol())
        .prop_map(|(n, c, o1, v, o2, e)| [n, c, o1, v, o2, e].concat());
    (
        pick(&[b""], &[b"\r\n"]),
        method,
        sep(),
        target,
        sep(),
        version,
        eol(),
        prop::collection::vec(field, 0..5),
        eol(),
        prop_oneof![4 => Just(0usize), 1 => 1usize..6],
    )
        .prop_map(|(lead, m, s1, t, s2, v, e1, fields, e2, cut)| {
            let mut head = [lead, m, s1, t, s2, v, e1].concat();
            head.extend(fields.concat());
            head.extend_from_slice(e2);
            head.extend_from_slice(b"GET / HTTP/1.1\r\n");
            // Sometimes cut, so that incomplete heads come up too.
            let keep = head.len().saturating_sub(cut * 5);
            head.truncate(keep);
            head
        })
}

/// `super::parse_request` with the general parser alone, or with the
/// one-pass parser first.
fn parse_with(
    buf: &[u8],
    general: bool,
    fields: usize,
) -> (Result<Parsed<RequestLine>, Error>, Vec<FieldSpan>) {
    crate::GENERAL_PATHS.with(|g| g.set(general));
    let mut f = vec![FieldSpan::default(); fields];
    let r = super::parse_request(buf, &mut f, &ParseOptions::default());
    crate::GENERAL_PATHS.with(|g| g.set(false));
    let n = match r {
        Ok(Parsed::Complete { fields, .. }) => fields,
        _ => 0,
    };
    f.truncate(n);
    (r, f)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 1000 }))]
    /// The one-pass parser changes nothing: every head, accepted or declined,
    /// parses to the same result, fields included, as with the general parser
    /// alone, with every kernel.
    #[test]
    fn common_shape_pass_equals_general_parser(head in near_common_heads(), max in 0usize..6) {
        let general = crate::simd::each_kernel(|| parse_with(&head, true, max));
        let both = crate::simd::each_kernel(|| parse_with(&head, false, max));
        prop_assert_eq!(both, general);
    }
}

#[test]
fn common_shape_pass_takes_the_common_heads() {
    let mut f = [FieldSpan::default(); 4];
    let o = ParseOptions::default();
    let wrk = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:40123\r\n\r\nGET";
    let (line, n, len) =
        super::fast::request_head(crate::simd::Scalar, wrk, &mut f, &o).expect("the common shape");
    assert_eq!(
        (line.method, line.target.of(wrk), line.version),
        (Method::Get, &b"/"[..], Version::Http11)
    );
    assert_eq!((n, len), (1, wrk.len() - 3));
    assert_eq!(
        (f[0].name.of(wrk), f[0].value.of(wrk)),
        (&b"Host"[..], &b"127.0.0.1:40123"[..])
    );
    let post = b"POST /echo?x=1 HTTP/1.0\r\nContent-Length:\t 2 \t\r\nX:\r\n\r\n";
    let (line, n, len) =
        super::fast::request_head(crate::simd::Scalar, post, &mut f, &o).expect("the common shape");
    assert_eq!(
        (line.method, line.version, n, len),
        (Method::Post, Version::Http10, 2, post.len())
    );
    assert_eq!(f[0].value.of(post), b"2");
    assert_eq!(f[1].value.of(post), b"");
    // Declined: the general parser's cases.
    for head in [
        &b"\r\nGET / HTTP/1.1\r\n\r\n"[..],
        b"GET * HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\n",
        b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        b"GET / HTTP/1.1\r\n x: y\r\n\r\n",
        b"CONNECT /x HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: b\r\nC: d\r\nE: f\r\nG: h\r\nI: j\r\n\r\n",
    ] {
        assert_eq!(
            super::fast::request_head(crate::simd::Scalar, head, &mut f, &o),
            None
        );
    }
}
