//! Fuzz target bodies, one `pub fn NAME(data: &[u8])` per target.
//!
//! The cargo-fuzz binaries in `fuzz_targets/` call these, and so does the
//! corpus test (`tests/corpus.rs`), which replays the stored corpora on stable
//! in the normal test run. Each function asserts invariants of the code under
//! test, not only that it does not panic; a failed assertion is a finding.

use shockwave_proto::h1::chunked::{
    ChunkedDecoder, Decoded, encode_chunk, encode_chunk_header, encode_last_chunk,
};
use shockwave_proto::h1::head::{FieldSpan, RequestLine, Span, StatusLine};
use shockwave_proto::h1::parse::{Parsed, parse_request, parse_response};
use shockwave_proto::h1::{Error, Method, ParseOptions};

pub mod h2;
pub mod hpack;
mod server;
pub mod ws;

/// Field lines a head may have in the head targets: small, so that
/// `TooManyFields` is reached too.
const HEAD_FIELDS: usize = 8;

/// Bytes appended to an input to check that what follows a head is ignored.
const GARBAGE: &[u8] = b"\r\n\r\nGET / HTTP/1.1\r\n\x00\xff \t:";

/// A small, stable hash of the input, to derive split points and sizes from.
fn mix(data: &[u8]) -> u64 {
    // FNV-1a.
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Prefix lengths of `len` to re-parse: all of them for short inputs, a spread
/// plus the last few otherwise (keeps a 4 KiB input fast).
fn prefix_lengths(len: usize) -> impl Iterator<Item = usize> {
    let step = (len / 128).max(1);
    (0..len)
        .filter(move |&k| k % step == 0 || k + 16 >= len)
        .take(len)
}

/// Checks that `span` is well formed and lies within the head (`..len`).
fn check_span(span: Span, len: usize, what: &str) {
    assert!(span.start <= span.end, "{what}: inverted span {span:?}");
    assert!(
        span.end as usize <= len,
        "{what}: span {span:?} past the head ({len})"
    );
}

/// Checks the field spans of a complete head of `len` bytes of `buf`.
fn check_fields(buf: &[u8], len: usize, fields: &[FieldSpan]) {
    for f in fields {
        check_span(f.name, len, "field name");
        check_span(f.value, len, "field value");
        let name = f.name.of(buf);
        let value = f.value.of(buf);
        assert!(!name.is_empty(), "empty field name");
        assert!(
            name.iter()
                .all(|&b| b.is_ascii_graphic() && !b"\"(),/:;<=>?@[\\]{}".contains(&b)),
            "field name is not a token: {name:?}"
        );
        assert!(
            !value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0),
            "CR, LF or NUL in a field value: {value:?}"
        );
        assert!(
            !value.starts_with(b" ")
                && !value.starts_with(b"\t")
                && !value.ends_with(b" ")
                && !value.ends_with(b"\t"),
            "field value not trimmed: {value:?}"
        );
        // The value follows its name on the same line.
        assert!(f.value.start > f.name.end, "value before its name");
    }
}

/// The head-parser invariants shared by requests and responses.
///
/// `parse` parses a buffer with a fresh field array and returns the outcome
/// and the recorded fields; `check_line` checks a complete start line.
fn head_invariants<T: PartialEq + core::fmt::Debug + Copy>(
    data: &[u8],
    parse: impl Fn(&[u8]) -> (Result<Parsed<T>, Error>, Vec<FieldSpan>),
    check_line: impl Fn(&[u8], &T, usize),
) {
    let (result, fields) = parse(data);

    // What follows a complete head, or an error already proven, changes nothing.
    if !matches!(result, Ok(Parsed::Partial)) {
        let mut longer = data.to_vec();
        longer.extend_from_slice(GARBAGE);
        let (again, again_fields) = parse(&longer);
        assert_eq!(again, result, "appending bytes changed the outcome");
        assert_eq!(again_fields, fields, "appending bytes changed the fields");
    }

    match result {
        Ok(Parsed::Complete {
            line,
            fields: n,
            len,
        }) => {
            assert!(len > 0 && len <= data.len(), "len {len} of {}", data.len());
            assert!(n <= HEAD_FIELDS);
            assert!(
                data[..len].ends_with(b"\r\n\r\n"),
                "head does not end in an empty line"
            );
            check_line(data, &line, len);
            check_fields(data, len, &fields[..n]);
            // The head alone parses the same.
            let (alone, alone_fields) = parse(&data[..len]);
            assert_eq!(alone, result, "the head alone parses differently");
            assert_eq!(alone_fields[..n], fields[..n]);
            // Nothing in a valid head is wrong, so every strict prefix is Partial.
            for k in prefix_lengths(len) {
                let (p, _) = parse(&data[..k]);
                assert_eq!(
                    p,
                    Ok(Parsed::Partial),
                    "prefix of {k} bytes of a complete head"
                );
            }
        }
        Ok(Parsed::Partial) => {
            for k in prefix_lengths(data.len()) {
                let (p, _) = parse(&data[..k]);
                assert_eq!(
                    p,
                    Ok(Parsed::Partial),
                    "prefix of {k} bytes of a partial head"
                );
            }
        }
        Err(e) => {
            // An error comes as soon as the bytes prove one: a prefix is either
            // still undecided or already the same error.
            for k in prefix_lengths(data.len()) {
                let (p, _) = parse(&data[..k]);
                assert!(
                    p == Ok(Parsed::Partial) || p == Err(e),
                    "prefix of {k} bytes gave {p:?}, the whole input {e:?}"
                );
            }
        }
    }
}

/// Target `request_head`: [`parse_request`] on arbitrary bytes.
pub fn request_head(data: &[u8]) {
    let opts = ParseOptions::default();
    head_invariants(
        data,
        |buf| {
            let mut fields = [FieldSpan::default(); HEAD_FIELDS];
            let r = parse_request(buf, &mut fields, &opts);
            (r, fields.to_vec())
        },
        |buf, line: &RequestLine, len| {
            check_span(line.method_span, len, "method");
            check_span(line.target, len, "target");
            let method = line.method_span.of(buf);
            assert!(!method.is_empty());
            assert_eq!(Method::from_bytes(method), line.method);
            let target = line.target.of(buf);
            assert!(!target.is_empty());
            assert!(target.len() <= opts.max_request_target_size);
            assert!(
                target.iter().all(|b| b.is_ascii_graphic()),
                "target has a byte outside VCHAR: {target:?}"
            );
            assert!(line.method_span.end < line.target.start);
        },
    );
}

/// Target `response_head`: [`parse_response`] on arbitrary bytes.
pub fn response_head(data: &[u8]) {
    let opts = ParseOptions::default();
    head_invariants(
        data,
        |buf| {
            let mut fields = [FieldSpan::default(); HEAD_FIELDS];
            let r = parse_response(buf, &mut fields, &opts);
            (r, fields.to_vec())
        },
        |buf, line: &StatusLine, len| {
            assert!((100..=999).contains(&line.status), "status {}", line.status);
            check_span(line.reason, len, "reason");
            let reason = line.reason.of(buf);
            assert!(!reason.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0));
        },
    );
}

/// How a chunked decode ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// The last chunk was read; these bytes followed it (the trailer section and beyond).
    Done(Vec<u8>),
    /// The input ran out mid-body.
    NeedMore,
    /// A peer error.
    Failed(Error),
}

/// Decodes a chunked body fed in `pieces`, the way a machine does: the
/// unconsumed bytes stay at the front of a buffer, new bytes are appended.
fn decode_pieces<'a>(pieces: impl IntoIterator<Item = &'a [u8]>, max_ext: usize) -> (Vec<u8>, End) {
    let mut dec = ChunkedDecoder::new(max_ext);
    let mut pending: Vec<u8> = Vec::new();
    let mut data = Vec::new();
    let mut pieces = pieces.into_iter();
    loop {
        match dec.decode(&pending) {
            Ok(Decoded::Data { start, len }) => {
                assert!(len > 0, "empty Data");
                assert!(start + len <= pending.len(), "Data past the input");
                data.extend_from_slice(&pending[start..start + len]);
                pending.drain(..start + len);
            }
            Ok(Decoded::NeedMore { consumed }) => {
                assert_eq!(consumed, pending.len(), "NeedMore left framing unconsumed");
                pending.clear();
                match pieces.next() {
                    Some(p) => pending.extend_from_slice(p),
                    None => return (data, End::NeedMore),
                }
            }
            Ok(Decoded::TrailersStart { consumed }) => {
                assert!(consumed <= pending.len());
                assert!(dec.is_done());
                pending.drain(..consumed);
                assert_eq!(
                    dec.decode(&pending),
                    Ok(Decoded::TrailersStart { consumed: 0 })
                );
                for p in pieces {
                    pending.extend_from_slice(p);
                }
                return (data, End::Done(pending));
            }
            Err(e) => {
                assert_eq!(dec.decode(&pending), Err(e), "an error is not sticky");
                assert_eq!(dec.decode(b"0\r\n\r\n"), Err(e), "an error is not sticky");
                return (data, End::Failed(e));
            }
        }
    }
}

/// Target `chunked_body`: [`ChunkedDecoder`] over arbitrary bytes, whole and
/// split, and the encoder round trip.
pub fn chunked_body(data: &[u8]) {
    let h = mix(data);
    let max_ext = [0, 1, 16, 4096][(h & 3) as usize];
    let whole = decode_pieces([data], max_ext);

    // Any split gives the same data and outcome.
    let at = ((h >> 8) % (data.len() as u64 + 1)) as usize;
    let split = decode_pieces([&data[..at], &data[at..]], max_ext);
    assert_eq!(split, whole, "split at {at} decodes differently");
    if data.len() <= 1024 {
        let bytewise = decode_pieces(data.chunks(1), max_ext);
        assert_eq!(bytewise, whole, "byte by byte decodes differently");
    }

    // Re-encoding what was decoded and decoding again is the identity.
    let (body, _) = &whole;
    let mut encoded = Vec::new();
    let mut via_header = Vec::new();
    let mut rest: &[u8] = body;
    let mut sizes = data.iter().cycle().map(|&b| usize::from(b) + 1);
    while !rest.is_empty() {
        let n = sizes.next().unwrap_or(1).min(rest.len());
        encode_chunk(&mut encoded, &rest[..n]);
        encode_chunk_header(&mut via_header, n);
        via_header.extend_from_slice(&rest[..n]);
        via_header.extend_from_slice(b"\r\n");
        rest = &rest[n..];
    }
    encode_chunk(&mut encoded, b"");
    encode_chunk_header(&mut encoded, 0);
    assert_eq!(
        encoded, via_header,
        "encode_chunk and encode_chunk_header disagree"
    );
    let trailers: &[(&[u8], &[u8])] = if h & 0x10 == 0 {
        &[]
    } else {
        &[(b"x-checksum", b"abc def")]
    };
    encode_last_chunk(&mut encoded, trailers).expect("valid trailers refused");
    let expected_rest: &[u8] = if trailers.is_empty() {
        b"\r\n"
    } else {
        b"x-checksum: abc def\r\n\r\n"
    };
    // Our own encoding has no extensions, so the tightest limit must pass it.
    let again = decode_pieces([&encoded[..]], 0);
    assert_eq!(
        again,
        (body.clone(), End::Done(expected_rest.to_vec())),
        "round trip"
    );

    // The encoder refuses what it must, leaving the output untouched.
    let before = encoded.len();
    assert!(encode_last_chunk(&mut encoded, &[(b"content-length", b"1")]).is_err());
    assert!(encode_last_chunk(&mut encoded, &[(b"x", b"a\r\nb: c")]).is_err());
    assert_eq!(encoded.len(), before);
}

/// Target `server_conn`: the [`ServerConn`](shockwave_proto::h1::server::ServerConn) machine driven by a command
/// script and a peer byte stream taken from the input.
///
/// Byte 0 picks the configuration (bit 0: tiny limits), byte 1 is the script
/// length `L`, the next `L` bytes are the commands (one byte each, listed in
/// `src/server.rs`), and the rest is what the peer sends. When the script runs
/// out, a well-behaved application takes over (answers each request, writes
/// everything out) until the stream is used up.
pub fn server_conn(data: &[u8]) {
    server::run(data);
}
