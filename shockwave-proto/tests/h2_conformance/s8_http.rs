//! RFC 9113 section 8: HTTP semantics, malformed requests (h2spec `http2/8.1`,
//! `http2/8.1.2.x`). A malformed request is a stream error of type
//! PROTOCOL_ERROR (section 8.1.1) and never reaches the application.

use shockwave_proto::h2::ErrorCode;

use crate::peer::*;

/// Sends `block` as a complete request on stream 1 and expects it refused as
/// malformed: RST_STREAM PROTOCOL_ERROR, no `RequestReceived`, connection fine.
fn malformed(block: &[u8]) {
    let mut p = Peer::connected();
    p.send(&headers(1, block, true));
    assert!(
        !p.has_request(1),
        "malformed request reported: {:?}",
        p.events
    );
    p.expect_stream_error(1, ErrorCode::PROTOCOL_ERROR);
    // The next request on the connection is served.
    p.get(3);
    p.expect_request(3);
}

/// A request with these fields (pseudo-headers included, in order).
fn request(fields: &[(&[u8], &[u8])]) -> Vec<u8> {
    literal_block(fields)
}

const METHOD: (&[u8], &[u8]) = (b":method", b"GET");
const SCHEME: (&[u8], &[u8]) = (b":scheme", b"https");
const PATH: (&[u8], &[u8]) = (b":path", b"/");
const AUTHORITY: (&[u8], &[u8]) = (b":authority", b"example.com");

// --- 8.1 HTTP Message Framing ------------------------------------------------

/// h2spec 8.1/1: a second HEADERS without END_STREAM (trailers must end the
/// stream) is a stream error of type PROTOCOL_ERROR.
#[test]
fn s8_1_second_headers_without_end_stream_is_protocol_error() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&data(1, b"body", false));
    p.send(&headers(1, &literal_block(&[(b"x-trailer", b"1")]), false));
    p.expect_stream_error(1, ErrorCode::PROTOCOL_ERROR);
}

/// Trailers (a HEADERS with END_STREAM after the body) end the request.
#[test]
fn s8_1_trailers_end_the_request() {
    let mut p = Peer::connected();
    p.post(1, &[(b"te", b"trailers")]);
    p.send(&data(1, b"body", false));
    p.send(&headers(
        1,
        &literal_block(&[(b"x-checksum", b"abc")]),
        true,
    ));
    assert!(p.events.contains(&Ev::Trailers {
        stream: 1,
        fields: vec![(b"x-checksum".to_vec(), b"abc".to_vec())]
    }));
    p.assert_no_error();
}

/// h2spec 8.1.2.3/1 (section 8.3, 8.1.1): a pseudo-header in trailers is
/// malformed.
#[test]
fn s8_1_pseudo_header_in_trailers_is_protocol_error() {
    let mut p = Peer::connected();
    p.post(1, &[]);
    p.send(&data(1, b"body", false));
    p.send(&headers(1, &literal_block(&[(b":method", b"GET")]), true));
    p.expect_stream_error(1, ErrorCode::PROTOCOL_ERROR);
    assert!(!p.events.iter().any(|e| matches!(e, Ev::Trailers { .. })));
}

// --- 8.1.1 Malformed Messages: content-length --------------------------------

/// h2spec 8.1.2.6/1: DATA adding up to less than content-length at END_STREAM
/// is malformed.
#[test]
fn s8_1_1_data_shorter_than_content_length_is_protocol_error() {
    let mut p = Peer::connected();
    p.post(1, &[(b"content-length", b"10")]);
    p.send(&data(1, b"test", true));
    p.expect_stream_error(1, ErrorCode::PROTOCOL_ERROR);
}

/// h2spec 8.1.2.6/2: DATA frames adding up to more than content-length are
/// malformed, found as soon as the sum passes it.
#[test]
fn s8_1_1_data_longer_than_content_length_is_protocol_error() {
    let mut p = Peer::connected();
    p.post(1, &[(b"content-length", b"4")]);
    p.send(&data(1, b"te", false));
    p.send(&data(1, b"st!", false));
    p.expect_stream_error(1, ErrorCode::PROTOCOL_ERROR);
}

/// A request ended on its HEADERS while announcing a body is malformed.
#[test]
fn s8_1_1_content_length_without_data_is_protocol_error() {
    malformed(&request(&[
        (b":method", b"POST"),
        SCHEME,
        PATH,
        AUTHORITY,
        (b"content-length", b"5"),
    ]));
}

/// A body that matches its content-length is accepted.
#[test]
fn s8_1_1_data_matching_content_length_is_accepted() {
    let mut p = Peer::connected();
    p.post(1, &[(b"content-length", b"7")]);
    p.send(&data(1, b"tes", false));
    p.send(&data(1, b"ting", true));
    p.assert_no_error();
    assert!(p.events.iter().any(|e| matches!(
        e,
        Ev::Data {
            stream: 1,
            end_stream: true,
            ..
        }
    )));
}

/// A content-length that is not a number is malformed.
#[test]
fn s8_1_1_invalid_content_length_is_protocol_error() {
    malformed(&request(&[
        (b":method", b"POST"),
        SCHEME,
        PATH,
        AUTHORITY,
        (b"content-length", b"1x"),
    ]));
}

// --- 8.2 HTTP Fields -----------------------------------------------------------

/// h2spec 8.1.2/1 (section 8.2): an uppercase field name is malformed.
#[test]
fn s8_2_uppercase_field_name_is_protocol_error() {
    malformed(&request(&[
        METHOD,
        SCHEME,
        PATH,
        AUTHORITY,
        (b"X-TEST", b"ok"),
    ]));
}

/// Section 8.2.1: a field name with a character in 0x00-0x20 (here a space)
/// is malformed.
#[test]
fn s8_2_1_space_in_field_name_is_protocol_error() {
    malformed(&request(&[
        METHOD,
        SCHEME,
        PATH,
        AUTHORITY,
        (b"x test", b"ok"),
    ]));
}

/// Section 8.2.1: a colon in a field name other than a pseudo-header's first
/// octet is malformed.
#[test]
fn s8_2_1_colon_inside_field_name_is_protocol_error() {
    malformed(&request(&[
        METHOD,
        SCHEME,
        PATH,
        AUTHORITY,
        (b"x:test", b"ok"),
    ]));
}

/// Section 8.2.1 and RFC 9110 section 5.1: a field name is a token, at least
/// one character: an empty name is malformed.
#[test]
fn s8_2_1_empty_field_name_is_protocol_error() {
    malformed(&request(&[METHOD, SCHEME, PATH, AUTHORITY, (b"", b"ok")]));
}

/// Section 8.2.1: non-visible and non-ASCII octets in a name are malformed.
#[test]
fn s8_2_1_control_and_non_ascii_field_names_are_protocol_error() {
    for name in [&b"x\x7f"[..], b"x\x01", b"caf\xc3\xa9"] {
        malformed(&request(&[METHOD, SCHEME, PATH, AUTHORITY, (name, b"ok")]));
    }
}

/// Section 8.2.1: a field value with NUL, CR or LF, or with leading or trailing
/// whitespace, is malformed.
#[test]
fn s8_2_1_invalid_field_values_are_protocol_error() {
    for value in [&b"a\0b"[..], b"a\rb", b"a\nb", b" lead", b"trail\t"] {
        malformed(&request(&[
            METHOD,
            SCHEME,
            PATH,
            AUTHORITY,
            (b"x-value", value),
        ]));
    }
}

/// h2spec 8.1.2.2/1 (section 8.2.2): every connection-specific field is malformed.
#[test]
fn s8_2_2_connection_specific_fields_are_protocol_error() {
    for name in [
        &b"connection"[..],
        b"keep-alive",
        b"proxy-connection",
        b"transfer-encoding",
        b"upgrade",
    ] {
        malformed(&request(&[METHOD, SCHEME, PATH, AUTHORITY, (name, b"x")]));
    }
}

/// h2spec 8.1.2.2/2 (section 8.2.2): `te` other than `trailers` is malformed.
#[test]
fn s8_2_2_te_other_than_trailers_is_protocol_error() {
    malformed(&request(&[
        METHOD,
        SCHEME,
        PATH,
        AUTHORITY,
        (b"te", b"trailers, deflate"),
    ]));
}

/// `te: trailers` is the one `te` allowed.
#[test]
fn s8_2_2_te_trailers_is_accepted() {
    let mut p = Peer::connected();
    p.send(&headers(
        1,
        &request(&[METHOD, SCHEME, PATH, AUTHORITY, (b"te", b"trailers")]),
        true,
    ));
    p.expect_request(1);
}

// --- 8.3 HTTP Control Data -----------------------------------------------------

/// h2spec 8.1.2.1/1: an unknown pseudo-header is malformed.
#[test]
fn s8_3_unknown_pseudo_header_is_protocol_error() {
    malformed(&request(&[
        METHOD,
        SCHEME,
        PATH,
        AUTHORITY,
        (b":test", b"ok"),
    ]));
}

/// h2spec 8.1.2.1/2: a response pseudo-header in a request is malformed.
#[test]
fn s8_3_response_pseudo_header_in_request_is_protocol_error() {
    malformed(&request(&[
        METHOD,
        SCHEME,
        PATH,
        AUTHORITY,
        (b":status", b"200"),
    ]));
}

/// h2spec 8.1.2.1/4: a pseudo-header after a regular field is malformed.
#[test]
fn s8_3_pseudo_header_after_regular_field_is_protocol_error() {
    malformed(&request(&[METHOD, SCHEME, (b"x-a", b"1"), PATH, AUTHORITY]));
}

/// h2spec 8.1.2.3/1: an empty `:path` is malformed.
#[test]
fn s8_3_1_empty_path_is_protocol_error() {
    malformed(&request(&[METHOD, SCHEME, (b":path", b""), AUTHORITY]));
}

/// h2spec 8.1.2.3/2: a request without `:method` is malformed.
#[test]
fn s8_3_1_missing_method_is_protocol_error() {
    malformed(&request(&[SCHEME, PATH, AUTHORITY]));
}

/// h2spec 8.1.2.3/3: a request without `:scheme` is malformed.
#[test]
fn s8_3_1_missing_scheme_is_protocol_error() {
    malformed(&request(&[METHOD, PATH, AUTHORITY]));
}

/// h2spec 8.1.2.3/4: a request without `:path` is malformed.
#[test]
fn s8_3_1_missing_path_is_protocol_error() {
    malformed(&request(&[METHOD, SCHEME, AUTHORITY]));
}

/// h2spec 8.1.2.3/5: a repeated `:method` is malformed.
#[test]
fn s8_3_1_duplicate_method_is_protocol_error() {
    malformed(&request(&[METHOD, METHOD, SCHEME, PATH, AUTHORITY]));
}

/// h2spec 8.1.2.3/6: a repeated `:scheme` is malformed.
#[test]
fn s8_3_1_duplicate_scheme_is_protocol_error() {
    malformed(&request(&[METHOD, SCHEME, SCHEME, PATH, AUTHORITY]));
}

/// h2spec 8.1.2.3/7: a repeated `:path` is malformed.
#[test]
fn s8_3_1_duplicate_path_is_protocol_error() {
    malformed(&request(&[METHOD, SCHEME, PATH, PATH, AUTHORITY]));
}

/// A repeated `:authority` is malformed too.
#[test]
fn s8_3_1_duplicate_authority_is_protocol_error() {
    malformed(&request(&[METHOD, SCHEME, PATH, AUTHORITY, AUTHORITY]));
}

/// The pseudo-headers come to the application as the request's parts, and
/// only regular fields are in its field list.
#[test]
fn s8_3_1_request_pseudo_headers_are_reported() {
    let mut p = Peer::connected();
    p.send(&headers(
        1,
        &request(&[
            (b":method", b"DELETE"),
            SCHEME,
            (b":path", b"/x?y"),
            AUTHORITY,
            (b"accept", b"*/*"),
        ]),
        true,
    ));
    match p.expect_request(1) {
        Ev::Request {
            method,
            path,
            fields,
            end_stream,
            ..
        } => {
            assert_eq!(method, b"DELETE");
            assert_eq!(path.as_deref(), Some(&b"/x?y"[..]));
            assert_eq!(fields, &vec![(b"accept".to_vec(), b"*/*".to_vec())]);
            assert!(end_stream);
        }
        other => panic!("{other:?}"),
    }
}

/// Section 8.5: CONNECT carries only `:method` and `:authority`.
#[test]
fn s8_5_connect_with_authority_only_is_accepted() {
    let mut p = Peer::connected();
    p.send(&headers(
        1,
        &request(&[
            (b":method", b"CONNECT"),
            (b":authority", b"example.com:443"),
        ]),
        false,
    ));
    match p.expect_request(1) {
        Ev::Request { method, path, .. } => {
            assert_eq!(method, b"CONNECT");
            assert_eq!(path, &None);
        }
        other => panic!("{other:?}"),
    }
}

/// Section 8.5: CONNECT with `:scheme` and `:path` (without `:protocol`) is malformed.
#[test]
fn s8_5_connect_with_path_is_protocol_error() {
    malformed(&request(&[
        (b":method", b"CONNECT"),
        SCHEME,
        PATH,
        (b":authority", b"example.com:443"),
    ]));
}

/// Section 8.5: CONNECT without `:authority` is malformed.
#[test]
fn s8_5_connect_without_authority_is_protocol_error() {
    malformed(&request(&[(b":method", b"CONNECT")]));
}

/// RFC 8441 section 4: extended CONNECT with `:protocol`, `:scheme`, `:path`
/// and `:authority` is accepted when we announced it.
#[test]
fn rfc8441_4_extended_connect_is_accepted() {
    let mut p = Peer::connected();
    p.send(&headers(
        1,
        &request(&[
            (b":method", b"CONNECT"),
            (b":protocol", b"websocket"),
            SCHEME,
            (b":path", b"/chat"),
            AUTHORITY,
        ]),
        false,
    ));
    p.expect_request(1);
}

/// RFC 8441 section 4: `:protocol` outside CONNECT is malformed.
#[test]
fn rfc8441_4_protocol_without_connect_is_protocol_error() {
    malformed(&request(&[
        METHOD,
        (b":protocol", b"websocket"),
        SCHEME,
        PATH,
        AUTHORITY,
    ]));
}

/// RFC 8441 section 3: without SETTINGS_ENABLE_CONNECT_PROTOCOL from us,
/// `:protocol` is malformed.
#[test]
fn rfc8441_3_extended_connect_not_enabled_is_protocol_error() {
    let config = config(|c| {
        c.enable_connect_protocol = false;
    });
    let mut p = Peer::connected_with(config, &[]);
    p.send(&headers(
        1,
        &request(&[
            (b":method", b"CONNECT"),
            (b":protocol", b"websocket"),
            SCHEME,
            (b":path", b"/chat"),
            AUTHORITY,
        ]),
        false,
    ));
    assert!(!p.has_request(1));
    p.expect_stream_error(1, ErrorCode::PROTOCOL_ERROR);
}

// --- 10.5.1 Limits on Field Block Size ---------------------------------------

/// Section 10.5.1: a field section over the SETTINGS_MAX_HEADER_LIST_SIZE we
/// announced is answered with 431 (the table of `h2::config`), and the
/// connection stays usable.
#[test]
fn s10_5_1_field_section_over_max_header_list_size_is_answered_431() {
    let config = config(|c| {
        c.max_header_list_size = 1024;
    });
    let mut p = Peer::connected_with(config, &[]);
    let big = vec![b'v'; 2000];
    p.send(&headers(1, &get_block_with(&[(b"x-big", &big)]), true));
    assert!(!p.has_request(1));
    let r = p.take_response(1);
    assert_eq!(r.status, 431);
    assert!(r.end_stream);
    p.assert_alive();
    p.get(3);
    p.expect_request(3);
}
