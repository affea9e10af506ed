//! Section 8 cases, one rule each.

use super::*;
use crate::h2::ErrorCode;
use alloc::vec::Vec;

fn list(fields: &[(&str, &str)]) -> HeaderList {
    let mut l = HeaderList::new(1 << 16);
    for (n, v) in fields {
        l.push(n.as_bytes(), v.as_bytes(), false);
    }
    l
}

const GET: [(&str, &str); 4] = [
    (":method", "GET"),
    (":scheme", "https"),
    (":path", "/a"),
    (":authority", "example.com"),
];

fn req(fields: &[(&str, &str)]) -> Result<RequestInfo, ErrorKind> {
    request_info(&list(fields), true)
}

fn with(extra: &[(&str, &str)]) -> Result<RequestInfo, ErrorKind> {
    let mut all = GET.to_vec();
    all.extend_from_slice(extra);
    req(&all)
}

#[test]
fn a_valid_request_and_its_view() {
    let l = list(&[
        (":method", "POST"),
        (":scheme", "https"),
        (":authority", "example.com"),
        (":path", "/upload"),
        ("content-length", "5"),
        ("priority", "u=1, i"),
        ("te", "trailers"),
        ("x-a", "1"),
        ("x-a", "2"),
    ]);
    let info = validate_request(&l, StreamId::new(1), false).unwrap();
    let head = RequestHead::new(&l, info);
    assert_eq!(head.method(), b"POST");
    assert_eq!(head.scheme(), Some(&b"https"[..]));
    assert_eq!(head.authority(), Some(&b"example.com"[..]));
    assert_eq!(head.path(), Some(&b"/upload"[..]));
    assert_eq!(head.protocol(), None);
    assert_eq!(head.content_length(), Some(5));
    assert_eq!(
        head.priority(),
        Priority {
            urgency: 1,
            incremental: true
        }
    );
    let fields = head.fields();
    assert_eq!(fields.len(), 5);
    assert_eq!(fields.get(b"X-A"), Some(&b"1"[..]), "first match");
    assert_eq!(fields.iter().nth(4), Some((&b"x-a"[..], &b"2"[..])));
    assert_eq!(fields.into_iter().count(), 5);
}

#[test]
fn field_syntax_of_section_8_2_1() {
    assert_eq!(with(&[("X-Upper", "1")]), Err(ErrorKind::InvalidFieldName));
    assert_eq!(with(&[("sp ace", "1")]), Err(ErrorKind::InvalidFieldName));
    assert_eq!(with(&[("", "1")]), Err(ErrorKind::InvalidFieldName));
    assert_eq!(with(&[("x", "a\0b")]), Err(ErrorKind::InvalidFieldValue));
    assert_eq!(with(&[("x", "a\rb")]), Err(ErrorKind::InvalidFieldValue));
    assert_eq!(with(&[("x", "a\nb")]), Err(ErrorKind::InvalidFieldValue));
    assert_eq!(with(&[("x", " a")]), Err(ErrorKind::InvalidFieldValue));
    assert_eq!(with(&[("x", "a\t")]), Err(ErrorKind::InvalidFieldValue));
    assert!(with(&[("x", "a b")]).is_ok());
    assert!(with(&[("x", "")]).is_ok());
}

#[test]
fn connection_specific_fields_of_section_8_2_2() {
    for name in [
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "upgrade",
    ] {
        assert_eq!(
            with(&[(name, "x")]),
            Err(ErrorKind::ConnectionSpecificField),
            "{name}"
        );
    }
    assert_eq!(with(&[("te", "gzip")]), Err(ErrorKind::InvalidTe));
    assert!(with(&[("te", "trailers")]).is_ok());
}

#[test]
fn pseudo_headers_of_section_8_3() {
    let mut after = GET.to_vec();
    after.insert(2, ("x", "1"));
    assert_eq!(req(&after), Err(ErrorKind::PseudoAfterRegular));
    assert_eq!(with(&[]).map(|_| ()), Ok(()));
    let mut dup = GET.to_vec();
    dup.push((":path", "/b"));
    assert_eq!(req(&dup), Err(ErrorKind::InvalidPseudoHeader));
    let mut unknown = GET.to_vec();
    unknown.insert(0, (":foo", "x"));
    assert_eq!(req(&unknown), Err(ErrorKind::InvalidPseudoHeader));
    let mut status = GET.to_vec();
    status.insert(0, (":status", "200"));
    assert_eq!(
        req(&status),
        Err(ErrorKind::InvalidPseudoHeader),
        "response pseudo in a request"
    );
    for missing in [":method", ":scheme", ":path"] {
        let l: Vec<_> = GET.iter().copied().filter(|(n, _)| *n != missing).collect();
        assert_eq!(req(&l), Err(ErrorKind::MissingPseudoHeader), "{missing}");
    }
    let empty_path: Vec<_> = GET
        .iter()
        .map(|&(n, v)| if n == ":path" { (n, "") } else { (n, v) })
        .collect();
    assert_eq!(req(&empty_path), Err(ErrorKind::MissingPseudoHeader));
    assert_eq!(
        with(&[("host", "other.example")]),
        Err(ErrorKind::InvalidPseudoHeader)
    );
    assert!(with(&[("host", "example.com")]).is_ok());
}

#[test]
fn connect_and_extended_connect() {
    assert!(req(&[(":method", "CONNECT"), (":authority", "h:443")]).is_ok());
    assert_eq!(
        req(&[
            (":method", "CONNECT"),
            (":authority", "h:443"),
            (":path", "/")
        ]),
        Err(ErrorKind::InvalidPseudoHeader)
    );
    assert_eq!(
        req(&[(":method", "CONNECT")]),
        Err(ErrorKind::MissingPseudoHeader)
    );
    let ws = [
        (":method", "CONNECT"),
        (":protocol", "websocket"),
        (":scheme", "https"),
        (":path", "/chat"),
        (":authority", "h"),
    ];
    let info = req(&ws).unwrap();
    assert!(info.is_connect);
    assert_eq!(
        request_info(&list(&ws), false),
        Err(ErrorKind::ExtendedConnectNotAllowed),
        "only when we sent SETTINGS_ENABLE_CONNECT_PROTOCOL"
    );
    assert_eq!(req(&ws[..4]), Err(ErrorKind::MissingPseudoHeader));
    assert_eq!(with(&[]).map(|i| i.protocol), Ok(None));
    let mut get_with_protocol = GET.to_vec();
    get_with_protocol.insert(0, (":protocol", "websocket"));
    assert_eq!(
        req(&get_with_protocol),
        Err(ErrorKind::ExtendedConnectNotAllowed)
    );
}

#[test]
fn content_length() {
    assert_eq!(
        with(&[("content-length", "12")]).unwrap().content_length,
        Some(12)
    );
    assert!(with(&[("content-length", "12"), ("content-length", "12")]).is_ok());
    assert_eq!(
        with(&[("content-length", "12"), ("content-length", "13")]),
        Err(ErrorKind::InvalidContentLength)
    );
    assert_eq!(
        with(&[("content-length", "1x")]),
        Err(ErrorKind::InvalidContentLength)
    );
    assert_eq!(
        with(&[("content-length", "")]),
        Err(ErrorKind::InvalidContentLength)
    );
    assert_eq!(
        with(&[("content-length", "99999999999999999999")]),
        Err(ErrorKind::InvalidContentLength)
    );
}

#[test]
fn responses() {
    let l = list(&[(":status", "204"), ("server", "x"), ("content-length", "0")]);
    let info = validate_response(&l, StreamId::new(1)).unwrap();
    let head = ResponseHead::new(&l, info);
    assert_eq!(head.status(), 204);
    assert_eq!(head.fields().len(), 2);
    assert_eq!(head.content_length(), Some(0));
    let bad = |fields: &[(&str, &str)]| response_info(&list(fields)).unwrap_err();
    assert_eq!(bad(&[("server", "x")]), ErrorKind::MissingPseudoHeader);
    assert_eq!(bad(&[(":status", "20")]), ErrorKind::InvalidStatus);
    assert_eq!(bad(&[(":status", "2000")]), ErrorKind::InvalidStatus);
    assert_eq!(bad(&[(":status", "101")]), ErrorKind::InvalidStatus);
    assert_eq!(
        bad(&[(":status", "200"), (":status", "200")]),
        ErrorKind::InvalidPseudoHeader
    );
    assert_eq!(
        bad(&[(":status", "200"), (":path", "/")]),
        ErrorKind::InvalidPseudoHeader
    );
    assert_eq!(
        bad(&[("x", "1"), (":status", "200")]),
        ErrorKind::PseudoAfterRegular
    );
    assert_eq!(
        bad(&[(":status", "200"), ("Upper", "1")]),
        ErrorKind::InvalidFieldName
    );
}

#[test]
fn trailers() {
    let id = StreamId::new(3);
    assert!(validate_trailers(&list(&[("grpc-status", "0")]), id).is_ok());
    let e = validate_trailers(&list(&[(":status", "200")]), id).unwrap_err();
    assert_eq!(
        (e.kind(), e.stream(), e.code()),
        (
            ErrorKind::PseudoInTrailers,
            Some(id),
            ErrorCode::PROTOCOL_ERROR
        )
    );
    assert!(validate_trailers(&list(&[("connection", "close")]), id).is_err());
}

#[test]
fn fields_the_application_sends() {
    assert_eq!(check_send_field(b"x-ok", b"v"), Ok(()));
    assert_eq!(
        check_send_field(b"X-Up", b"v"),
        Err(SendFieldError::Invalid)
    );
    assert_eq!(
        check_send_field(b"x", b"a\r\nb: c"),
        Err(SendFieldError::Invalid)
    );
    assert_eq!(
        check_send_field(b":path", b"/"),
        Err(SendFieldError::ConnectionSpecific)
    );
    assert_eq!(
        check_send_field(b"connection", b"close"),
        Err(SendFieldError::ConnectionSpecific)
    );
}
