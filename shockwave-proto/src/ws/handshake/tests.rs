//! The handshake helpers against RFC 6455 section 1.3 and 4, RFC 7692
//! section 7.1 and RFC 8441 section 5.1.

use super::*;
use alloc::vec;

type Fields<'a> = Vec<(&'a [u8], &'a [u8])>;

/// RFC 6455 section 1.3's request.
fn section_1_3() -> Fields<'static> {
    vec![
        (b"Host", b"server.example.com"),
        (b"Upgrade", b"websocket"),
        (b"Connection", b"Upgrade"),
        (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
        (b"Origin", b"http://example.com"),
        (b"Sec-WebSocket-Protocol", b"chat, superchat"),
        (b"Sec-WebSocket-Version", b"13"),
    ]
}

fn without(fields: &Fields<'static>, name: &str) -> Fields<'static> {
    fields
        .iter()
        .copied()
        .filter(|(n, _)| !n.eq_ignore_ascii_case(name.as_bytes()))
        .collect()
}

fn with(fields: &Fields<'static>, extra: (&'static [u8], &'static [u8])) -> Fields<'static> {
    let mut f = fields.clone();
    f.push(extra);
    f
}

fn answer(accept: &Accept<'_>) -> Vec<(Vec<u8>, Vec<u8>)> {
    accept
        .fields()
        .map(|(n, v)| (n.to_vec(), v.to_vec()))
        .collect()
}

#[test]
fn section_1_3_handshake() {
    let policy = ServerPolicy {
        protocols: &["superchat", "chat"],
        origin: OriginPolicy::Any,
        deflate: None,
    };
    let a = validate_request(b"GET", section_1_3(), &policy).unwrap();
    assert_eq!(a.status(), 101);
    assert_eq!(
        a.protocol(),
        Some("superchat"),
        "the server's preference wins"
    );
    assert_eq!(
        answer(&a),
        [
            (b"upgrade".to_vec(), b"websocket".to_vec()),
            (b"connection".to_vec(), b"upgrade".to_vec()),
            (
                b"sec-websocket-accept".to_vec(),
                b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".to_vec()
            ),
            (b"sec-websocket-protocol".to_vec(), b"superchat".to_vec()),
        ]
    );
    assert_eq!(a.extensions(), Extensions::default());
}

#[test]
fn server_refusals() {
    let any = ServerPolicy {
        origin: OriginPolicy::Any,
        ..ServerPolicy::default()
    };
    let req = section_1_3();
    let refuse = |method: &[u8], f: Fields<'static>, policy: &ServerPolicy<'_>| {
        validate_request(method, f, policy).unwrap_err()
    };
    assert_eq!(
        refuse(b"POST", req.clone(), &any),
        HandshakeError::MethodNotGet
    );
    assert_eq!(HandshakeError::MethodNotGet.status(), 405);
    assert_eq!(
        refuse(b"GET", without(&req, "host"), &any),
        HandshakeError::MissingHost
    );
    assert_eq!(
        refuse(b"GET", with(&req, (b"host", b"x")), &any),
        HandshakeError::DuplicateHost
    );
    assert_eq!(
        refuse(b"GET", without(&req, "upgrade"), &any),
        HandshakeError::MissingUpgrade
    );
    assert_eq!(
        refuse(
            b"GET",
            with(&without(&req, "upgrade"), (b"upgrade", b"h2c")),
            &any
        ),
        HandshakeError::MissingUpgrade
    );
    assert_eq!(
        refuse(
            b"GET",
            with(&without(&req, "connection"), (b"connection", b"keep-alive")),
            &any
        ),
        HandshakeError::MissingConnectionUpgrade
    );
    assert_eq!(
        refuse(b"GET", without(&req, "sec-websocket-key"), &any),
        HandshakeError::InvalidKey
    );
    assert_eq!(
        refuse(
            b"GET",
            with(&req, (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ==")),
            &any
        ),
        HandshakeError::InvalidKey
    );
    assert_eq!(
        refuse(
            b"GET",
            with(
                &without(&req, "sec-websocket-key"),
                (b"sec-websocket-key", b"c2hvcnQ=")
            ),
            &any
        ),
        HandshakeError::InvalidKey
    );
    let v8 = with(
        &without(&req, "sec-websocket-version"),
        (b"sec-websocket-version", b"8"),
    );
    let e = refuse(b"GET", v8, &any);
    assert_eq!((e, e.status()), (HandshakeError::UnsupportedVersion, 426));
    assert_eq!(
        e.response_fields(),
        &[(&b"sec-websocket-version"[..], &b"13"[..])]
    );
    assert_eq!(
        refuse(b"GET", without(&req, "sec-websocket-version"), &any),
        HandshakeError::UnsupportedVersion
    );
    // Keep-alive and other options beside upgrade are fine; so is a list in Upgrade.
    let listy = with(
        &without(&without(&req, "connection"), "upgrade"),
        (b"connection", b"keep-alive, Upgrade"),
    );
    let listy = with(&listy, (b"upgrade", b"foo/2, WebSocket"));
    assert!(validate_request(b"GET", listy, &any).is_ok());
}

#[test]
fn origin_policies() {
    let req = section_1_3();
    // http://example.com is another site than server.example.com.
    let same = ServerPolicy::default();
    let e = validate_request(b"GET", req.clone(), &same).unwrap_err();
    assert_eq!((e, e.status()), (HandshakeError::OriginRejected, 403));
    let same_site = with(
        &without(&req, "origin"),
        (b"origin", b"https://Server.Example.com:8443"),
    );
    assert!(validate_request(b"GET", same_site, &same).is_ok());
    let null = with(&without(&req, "origin"), (b"origin", b"null"));
    assert!(validate_request(b"GET", null, &same).is_err());
    assert!(
        validate_request(b"GET", without(&req, "origin"), &same).is_ok(),
        "no Origin: not a browser"
    );
    let list = ServerPolicy {
        origin: OriginPolicy::AllowList(&["http://example.com"]),
        ..ServerPolicy::default()
    };
    assert!(validate_request(b"GET", req.clone(), &list).is_ok());
    let check =
        |origin: Option<&[u8]>, host: &[u8]| origin.is_some() && host == b"server.example.com";
    let custom = ServerPolicy {
        origin: OriginPolicy::Custom(&check),
        ..ServerPolicy::default()
    };
    assert!(validate_request(b"GET", req.clone(), &custom).is_ok());
    assert!(validate_request(b"GET", without(&req, "origin"), &custom).is_err());
}

#[test]
fn deflate_negotiation() {
    let policy = ServerPolicy {
        origin: OriginPolicy::Any,
        deflate: Some(DeflateOptions::default()),
        ..ServerPolicy::default()
    };
    let req = section_1_3();
    // The first acceptable offer wins; an invalid one is skipped.
    let offers = with(
        &req,
        (b"sec-websocket-extensions", b"permessage-deflate; server_max_window_bits=20, permessage-deflate; server_max_window_bits=10; client_max_window_bits"),
    );
    let a = validate_request(b"GET", offers, &policy).unwrap();
    let p = a.extensions().deflate.unwrap();
    assert_eq!(p.server_max_window_bits, 10);
    assert!(answer(&a).contains(&(
        b"sec-websocket-extensions".to_vec(),
        b"permessage-deflate; server_max_window_bits=10".to_vec()
    )));
    // Unknown extensions are ignored; without a policy, deflate is declined.
    let other = with(
        &req,
        (b"sec-websocket-extensions", b"x-foo, permessage-deflate"),
    );
    assert!(
        validate_request(b"GET", other.clone(), &policy)
            .unwrap()
            .extensions()
            .deflate
            .is_some()
    );
    let off = ServerPolicy {
        origin: OriginPolicy::Any,
        ..ServerPolicy::default()
    };
    let a = validate_request(b"GET", other, &off).unwrap();
    assert_eq!(a.extensions().deflate, None);
    assert!(a.fields().all(|(n, _)| n != b"sec-websocket-extensions"));
}

#[test]
fn client_round_trip_with_deflate() {
    let client = ClientRequest::new([7; 16], &["chat"], true).unwrap();
    let sent: Fields<'_> = client.fields().collect();
    assert!(sent.contains(&(
        &b"sec-websocket-extensions"[..],
        &b"permessage-deflate; client_max_window_bits"[..]
    )));
    assert!(sent.contains(&(&b"sec-websocket-version"[..], &b"13"[..])));
    let mut req: Fields<'_> = vec![(b"host", b"h")];
    req.extend(sent);
    let policy = ServerPolicy {
        protocols: &["chat"],
        deflate: Some(DeflateOptions {
            server_no_context_takeover: true,
            client_no_context_takeover: false,
        }),
        ..ServerPolicy::default()
    };
    let a = validate_request(b"GET", req, &policy).unwrap();
    let n = client.check_response(101, a.fields()).unwrap();
    assert_eq!(n.protocol, Some("chat"));
    assert_eq!(n.extensions, a.extensions());
    assert!(n.extensions.deflate.unwrap().server_no_context_takeover);
}

#[test]
fn client_refusals() {
    let client = ClientRequest::new(*b"the sample nonce", &["chat"], false).unwrap();
    let good: Fields<'static> = vec![
        (b"Upgrade", b"websocket"),
        (b"Connection", b"Upgrade"),
        (b"Sec-WebSocket-Accept", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
    ];
    assert_eq!(
        client.check_response(101, good.clone()).unwrap().protocol,
        None
    );
    assert_eq!(
        client.check_response(200, good.clone()),
        Err(HandshakeError::UnexpectedStatus(200))
    );
    assert_eq!(
        client.check_response(101, without(&good, "upgrade")),
        Err(HandshakeError::MissingUpgrade)
    );
    assert_eq!(
        client.check_response(101, without(&good, "connection")),
        Err(HandshakeError::MissingConnectionUpgrade)
    );
    let wrong = with(
        &without(&good, "sec-websocket-accept"),
        (b"sec-websocket-accept", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOp="),
    );
    assert_eq!(
        client.check_response(101, wrong),
        Err(HandshakeError::InvalidAccept)
    );
    assert_eq!(
        client.check_response(101, with(&good, (b"sec-websocket-protocol", b"superchat"))),
        Err(HandshakeError::UnexpectedProtocol)
    );
    assert_eq!(
        client.check_response(101, with(&good, (b"sec-websocket-protocol", b"chat, chat"))),
        Err(HandshakeError::UnexpectedProtocol)
    );
    assert_eq!(
        client.check_response(
            101,
            with(&good, (b"sec-websocket-extensions", b"permessage-deflate"))
        ),
        Err(HandshakeError::UnexpectedExtension),
        "not offered"
    );
    let deflating = ClientRequest::new(*b"the sample nonce", &[], true).unwrap();
    assert_eq!(
        deflating.check_response(
            101,
            with(
                &good,
                (
                    b"sec-websocket-extensions",
                    b"permessage-deflate, permessage-deflate"
                )
            )
        ),
        Err(HandshakeError::UnexpectedExtension)
    );
    assert_eq!(
        deflating.check_response(
            101,
            with(
                &good,
                (
                    b"sec-websocket-extensions",
                    b"permessage-deflate; client_max_window_bits=7"
                )
            )
        ),
        Err(HandshakeError::InvalidExtensionAnswer)
    );
    assert_eq!(
        ClientRequest::new([0; 16], &["a b"], false).unwrap_err(),
        UsageError::InvalidProtocol
    );
}

#[test]
fn rfc_8441_section_5_1_example() {
    let client = ClientRequest::new([1; 16], &["chat", "superchat"], true).unwrap();
    let sent: Fields<'_> = client.h2_fields().collect();
    assert!(
        sent.iter()
            .all(|(n, _)| *n != b"sec-websocket-key" && *n != b"upgrade" && *n != b"connection")
    );
    let mut fields = sent.clone();
    fields.push((b"origin", b"http://www.example.com"));
    let policy = ServerPolicy {
        protocols: &["chat"],
        origin: OriginPolicy::Any,
        deflate: None,
    };
    let a = validate_extended_connect(
        b"CONNECT",
        Some(b"websocket"),
        Some(b"server.example.com"),
        fields.clone(),
        &policy,
    )
    .unwrap();
    assert_eq!(a.status(), 200);
    assert_eq!(
        answer(&a),
        [(b"sec-websocket-protocol".to_vec(), b"chat".to_vec())]
    );
    let n = client.check_h2_response(200, a.fields()).unwrap();
    assert_eq!(n.protocol, Some("chat"));
    assert_eq!(n.extensions.deflate, None);

    let refuse = |m: &[u8], p: Option<&[u8]>, auth: Option<&'static [u8]>, f: Fields<'_>| {
        validate_extended_connect(m, p, auth, f, &policy).unwrap_err()
    };
    let host = Some(&b"server.example.com"[..]);
    assert_eq!(
        refuse(b"GET", Some(b"websocket"), host, fields.clone()),
        HandshakeError::MethodNotConnect
    );
    assert_eq!(
        refuse(b"CONNECT", None, host, fields.clone()),
        HandshakeError::NotWebSocketProtocol
    );
    assert_eq!(
        refuse(b"CONNECT", Some(b"h2c"), host, fields.clone()),
        HandshakeError::NotWebSocketProtocol
    );
    assert_eq!(
        refuse(b"CONNECT", Some(b"websocket"), None, fields.clone()),
        HandshakeError::MissingHost
    );
    let mut with_conn = fields.clone();
    with_conn.push((b"connection", b"upgrade"));
    assert_eq!(
        refuse(b"CONNECT", Some(b"websocket"), host, with_conn),
        HandshakeError::ConnectionSpecificField
    );
    let no_version: Fields<'_> = fields
        .iter()
        .copied()
        .filter(|(n, _)| *n != b"sec-websocket-version")
        .collect();
    assert_eq!(
        refuse(b"CONNECT", Some(b"websocket"), host, no_version),
        HandshakeError::UnsupportedVersion
    );
    assert_eq!(
        client.check_h2_response(404, a.fields()),
        Err(HandshakeError::UnexpectedStatus(404))
    );
}
