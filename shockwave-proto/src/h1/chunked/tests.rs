//! Tests of the chunked coding: the RFC's shapes, hostile lines, and the
//! split, round-trip and no-panic properties.

use super::*;
use alloc::vec;
use proptest::prelude::*;

/// How a run of the decoder ended.
#[derive(Clone, Debug, PartialEq, Eq)]
enum End {
    /// `TrailersStart`; the bytes after the last-chunk line.
    Trailers(Vec<u8>),
    Failed(ErrorKind),
    /// Input ran out before the last chunk.
    Incomplete,
}

/// Drives a decoder like a connection would: appends each piece to a buffer,
/// decodes until it needs more, and drops what it was told to drop.
fn run(max_ext: usize, pieces: &[&[u8]]) -> (Vec<u8>, End) {
    let mut dec = ChunkedDecoder::new(max_ext);
    let mut buf = Vec::new();
    let mut data = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        buf.extend_from_slice(piece);
        loop {
            match dec.decode(&buf) {
                Ok(Decoded::Data { start, len }) => {
                    assert!(len > 0 && start + len <= buf.len());
                    data.extend_from_slice(&buf[start..start + len]);
                    buf.drain(..start + len);
                }
                Ok(Decoded::NeedMore { consumed }) => {
                    // The decoder keeps no partial line in the caller's buffer.
                    assert_eq!(consumed, buf.len());
                    buf.drain(..consumed);
                    break;
                }
                Ok(Decoded::TrailersStart { consumed }) => {
                    assert!(dec.is_done());
                    buf.drain(..consumed);
                    for rest in &pieces[i + 1..] {
                        buf.extend_from_slice(rest);
                    }
                    return (data, End::Trailers(buf));
                }
                Err(e) => {
                    // Sticky.
                    assert_eq!(dec.decode(&buf), Err(e));
                    return (data, End::Failed(e.kind()));
                }
            }
        }
    }
    (data, End::Incomplete)
}

fn whole(max_ext: usize, input: &[u8]) -> (Vec<u8>, End) {
    run(max_ext, &[input])
}

fn bytewise(max_ext: usize, input: &[u8]) -> (Vec<u8>, End) {
    let pieces: Vec<&[u8]> = input.chunks(1).collect();
    run(max_ext, &pieces)
}

/// Runs `input` whole and one byte at a time, checks they agree, and
/// returns the result.
#[track_caller]
fn decode_all(max_ext: usize, input: &[u8]) -> (Vec<u8>, End) {
    let a = whole(max_ext, input);
    assert_eq!(a, bytewise(max_ext, input), "split changed the result");
    a
}

#[track_caller]
fn fails(input: &[u8], kind: ErrorKind) {
    assert_eq!(
        decode_all(1024, input).1,
        End::Failed(kind),
        "{}",
        input.escape_ascii()
    );
}

#[track_caller]
fn body_is(input: &[u8], body: &[u8]) {
    let (data, end) = decode_all(1024, input);
    assert_eq!(
        end,
        End::Trailers(b"\r\n".to_vec()),
        "{}",
        input.escape_ascii()
    );
    assert_eq!(data, body);
}

#[test]
fn classic_example() {
    let input = b"4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n";
    body_is(input, b"Wikipedia in\r\n\r\nchunks.");

    // Step by step, as the RFC 9112 section 7.1.3 decoding loop reads it.
    let mut dec = ChunkedDecoder::new(0);
    assert_eq!(dec.decode(input), Ok(Decoded::Data { start: 3, len: 4 }));
    assert_eq!(
        dec.decode(&input[7..]),
        Ok(Decoded::Data { start: 5, len: 5 })
    );
    assert_eq!(
        dec.decode(&input[17..]),
        Ok(Decoded::Data { start: 5, len: 14 })
    );
    assert_eq!(
        dec.decode(&input[36..]),
        Ok(Decoded::TrailersStart { consumed: 5 })
    );
    assert_eq!(&input[41..], b"\r\n");
    assert!(dec.is_done());
    assert_eq!(dec.decode(b"x"), Ok(Decoded::TrailersStart { consumed: 0 }));
}

#[test]
fn trailers_and_reset() {
    let input = b"3\r\nabc\r\n0\r\nExpires: never\r\n\r\nGET / HTTP/1.1\r\n";
    let (data, end) = decode_all(0, input);
    assert_eq!(data, b"abc");
    assert_eq!(
        end,
        End::Trailers(b"Expires: never\r\n\r\nGET / HTTP/1.1\r\n".to_vec())
    );

    let mut dec = ChunkedDecoder::new(5);
    assert!(!dec.is_done());
    assert_eq!(
        dec.decode(b"0;abcd\r\n"),
        Ok(Decoded::TrailersStart { consumed: 8 })
    );
    dec.reset();
    assert!(!dec.is_done());
    // The extension budget starts again for the next message.
    assert_eq!(
        dec.decode(b"0;abcd\r\n"),
        Ok(Decoded::TrailersStart { consumed: 8 })
    );
    dec.reset();
    assert_eq!(dec.decode(b"x"), Err(ErrorKind::InvalidChunkSize.into()));
    dec.reset();
    assert_eq!(
        dec.decode(b"0\r\n"),
        Ok(Decoded::TrailersStart { consumed: 3 })
    );
}

#[test]
fn partial_input() {
    let mut dec = ChunkedDecoder::new(16);
    assert_eq!(dec.decode(b""), Ok(Decoded::NeedMore { consumed: 0 }));
    assert_eq!(dec.decode(b"1"), Ok(Decoded::NeedMore { consumed: 1 }));
    assert_eq!(
        dec.decode(b"0;a=\"x"),
        Ok(Decoded::NeedMore { consumed: 6 })
    );
    assert_eq!(dec.decode(b"\"\r"), Ok(Decoded::NeedMore { consumed: 2 }));
    assert_eq!(dec.decode(b"\nab"), Ok(Decoded::Data { start: 1, len: 2 }));
    assert_eq!(dec.decode(b""), Ok(Decoded::NeedMore { consumed: 0 }));
    assert_eq!(
        dec.decode(b"cdefghijklmnop\r"),
        Ok(Decoded::Data { start: 0, len: 14 })
    );
    assert_eq!(dec.decode(b"\r"), Ok(Decoded::NeedMore { consumed: 1 }));
    assert_eq!(
        dec.decode(b"\n0\r\n\r\n"),
        Ok(Decoded::TrailersStart { consumed: 4 })
    );
}

#[test]
fn valid_extensions() {
    for line in [
        &b"1;a"[..],
        b"1;a=b",
        b"1;a=b;c;d=e",
        b"1 ;a",
        b"1\t;\ta",
        b"1 ; a = b",
        b"1;a\t=\tb",
        b"1;a= b ;c",
        b"1;a=\"\"",
        b"1;a=\"x y\\\"z\\\\\"",
        b"1;a=\"\t\xff\x80\"",
        b"1;a=\"\\\xff\"",
        b"1;!#$%&'*+-.^_`|~09azAZ=!#$%&'*+-.^_`|~09azAZ",
        b"1;a=\"b\" ;c",
        b"1;a=\"b\";c=\"d\"",
        b"001;a",
    ] {
        let mut input = line.to_vec();
        input.extend_from_slice(b"\r\nx\r\n0\r\n\r\n");
        body_is(&input, b"x");
    }
    body_is(b"0;last=\"chunk\"\r\n\r\n", b"");
    body_is(b"000\r\n\r\n", b"");
}

#[test]
fn invalid_extensions() {
    for line in [
        &b"1;"[..],    // no name
        b"1; ",        // no name, whitespace
        b"1;;a",       // empty name
        b"1;=b",       // no name
        b"1;a=",       // no value
        b"1;a= ",      // no value, whitespace
        b"1;a==b",     // two equals
        b"1;a=b c",    // two values
        b"1;a b",      // two names
        b"1;a=b\"",    // quote in a token
        b"1;a=\"b\"c", // token after a quoted-string
        b"1;a=\"unterminated",
        b"1;a=\"\x01\"",   // control in a quoted-string
        b"1;a=\"\x7f\"",   // DEL in a quoted-string
        b"1;a=\"\\\x01\"", // control in a quoted-pair
        b"1;(a)",          // not a token
        b"1;a=(b)",        // not a token
        b"1,a",            // not a ";"
        b"1 ",             // BWS without an extension
        b"1\t",
        b"1;a ", // BWS before CRLF
        b"1;a=b ",
        b"1;a=\"b\" ",
        b"1;a=\"b\r", // CR in a quoted-string
        b"1;a\x00",
    ] {
        let mut input = line.to_vec();
        input.extend_from_slice(b"\r\nx\r\n0\r\n\r\n");
        fails(&input, ErrorKind::InvalidChunkSize);
    }
}

#[test]
fn invalid_sizes() {
    for input in [
        &b"\r\n"[..],
        b"x\r\n",
        b"1x\r\n",
        b"-1\r\n",
        b"+1\r\n",
        b"0x1\r\n",
        b" 1\r\n",
        b";a\r\n",
        b"\t\r\n",
    ] {
        fails(input, ErrorKind::InvalidChunkSize);
    }
}

#[test]
fn size_overflow() {
    let (_, end) = decode_all(0, b"ffffffffffffffff\r\nabc");
    assert_eq!(end, End::Incomplete);
    let mut dec = ChunkedDecoder::new(0);
    assert_eq!(
        dec.decode(b"FFFFFFFFFFFFFFFF\r\nabc"),
        Ok(Decoded::Data { start: 18, len: 3 })
    );
    fails(b"10000000000000000\r\n", ErrorKind::ChunkSizeOverflow);
    fails(b"ffffffffffffffff0", ErrorKind::ChunkSizeOverflow);
    // Leading zeros are not significant...
    body_is(b"00000000000000000000000000000001\r\nx\r\n0\r\n\r\n", b"x");
    assert_eq!(
        decode_all(0, b"0000000000000000ffffffffffffffff\r\n").1,
        End::Incomplete
    );
    // ...but a size line of more than 32 digits is refused all the same.
    fails(
        b"000000000000000000000000000000001\r\n",
        ErrorKind::InvalidChunkSize,
    );
    fails(&[b'0'; 1000], ErrorKind::InvalidChunkSize);
}

#[test]
fn line_ends() {
    fails(b"1\nx\r\n0\r\n\r\n", ErrorKind::BareLf);
    fails(b"\n", ErrorKind::BareLf);
    fails(b"1;a\n", ErrorKind::BareLf);
    fails(b"1;a=b\n", ErrorKind::BareLf);
    fails(b"1;a=\"b\n", ErrorKind::BareLf);
    fails(b"1 \n", ErrorKind::BareLf);
    fails(b"1\rx", ErrorKind::BareCr);
    fails(b"1\r\r\n", ErrorKind::BareCr);
    fails(b"0\r0\r\n", ErrorKind::BareCr);
}

#[test]
fn chunk_terminators() {
    fails(b"1\r\nxy\r\n0\r\n\r\n", ErrorKind::InvalidChunkTerminator);
    fails(b"1\r\nx\n0\r\n\r\n", ErrorKind::InvalidChunkTerminator);
    fails(b"1\r\nx\rx0\r\n\r\n", ErrorKind::InvalidChunkTerminator);
    fails(b"1\r\nx\r\r\n", ErrorKind::InvalidChunkTerminator);
    fails(b"1\r\nx0\r\n\r\n", ErrorKind::InvalidChunkTerminator);
    // The data before the bad terminator was delivered.
    assert_eq!(decode_all(0, b"3\r\nabcd").0, b"abc");
}

#[test]
fn extension_budget_is_per_body() {
    // ";aaaa" is 5 extension bytes; " ; b = c" is 8.
    let five = b"1;aaaa\r\nx\r\n1;bbbb\r\ny\r\n0\r\n\r\n";
    assert_eq!(decode_all(10, five).1, End::Trailers(b"\r\n".to_vec()));
    assert_eq!(
        decode_all(9, five).1,
        End::Failed(ErrorKind::ChunkExtensionsTooLarge)
    );
    let last = b"1;aaaa\r\nx\r\n0;bbbb\r\n\r\n";
    assert_eq!(decode_all(10, last).1, End::Trailers(b"\r\n".to_vec()));
    assert_eq!(
        decode_all(9, last).1,
        End::Failed(ErrorKind::ChunkExtensionsTooLarge)
    );
    assert_eq!(decode_all(8, b"1 ; b = c\r\nx\r\n0\r\n\r\n").0, b"x");
    assert_eq!(
        decode_all(7, b"1 ; b = c\r\nx\r\n0\r\n\r\n").1,
        End::Failed(ErrorKind::ChunkExtensionsTooLarge)
    );
    // Zero budget: no extensions at all.
    assert_eq!(
        decode_all(0, b"1;a\r\n").1,
        End::Failed(ErrorKind::ChunkExtensionsTooLarge)
    );
    assert_eq!(decode_all(0, b"1\r\nx\r\n0\r\n\r\n").0, b"x");
}

/// Feeds `input` one byte at a time and returns the error and how many
/// bytes had been fed when it came.
fn fed_until_error(max_ext: usize, input: &[u8]) -> (ErrorKind, usize) {
    let mut dec = ChunkedDecoder::new(max_ext);
    for (i, b) in input.iter().enumerate() {
        match dec.decode(core::slice::from_ref(b)) {
            Ok(Decoded::NeedMore { consumed: 1 }) => {}
            Ok(other) => panic!("{other:?} at {i}"),
            Err(e) => return (e.kind(), i + 1),
        }
    }
    panic!("no error")
}

#[test]
fn hostile_long_size_lines() {
    let max = 4096;
    let mut hostile: Vec<Vec<u8>> = Vec::new();
    let mut spaces = b"1".to_vec();
    spaces.resize(1 << 20, b' ');
    hostile.push(spaces);
    let mut name = b"1;".to_vec();
    name.resize(1 << 20, b'a');
    hostile.push(name);
    let mut value = b"1;a=".to_vec();
    value.resize(1 << 20, b'b');
    hostile.push(value);
    let mut quoted = b"1;a=\"".to_vec();
    quoted.resize(1 << 20, b'q');
    hostile.push(quoted);
    let mut many = Vec::new();
    many.push(b'1');
    while many.len() < 1 << 20 {
        many.extend_from_slice(b";a=b");
    }
    hostile.push(many);
    for input in &hostile {
        let (kind, fed) = fed_until_error(max, input);
        assert_eq!(kind, ErrorKind::ChunkExtensionsTooLarge);
        assert!(fed <= max + MAX_SIZE_DIGITS as usize + 1, "{fed}");
        let (_, end) = whole(max, input);
        assert_eq!(end, End::Failed(ErrorKind::ChunkExtensionsTooLarge));
    }
    // Spread over many chunks: the budget is the sum.
    let mut chunks = Vec::new();
    while chunks.len() < 1 << 16 {
        chunks.extend_from_slice(b"1;abcdefghij\r\nx\r\n");
    }
    let (data, end) = whole(max, &chunks);
    assert_eq!(end, End::Failed(ErrorKind::ChunkExtensionsTooLarge));
    assert_eq!(data.len(), max / 11);
}

#[test]
fn encoder() {
    let mut out = Vec::new();
    encode_chunk(&mut out, b"");
    encode_chunk_header(&mut out, 0);
    assert!(out.is_empty());
    encode_chunk(&mut out, b"Wiki");
    encode_chunk(&mut out, &[b'x'; 0x1f]);
    encode_chunk_header(&mut out, usize::MAX);
    let mut want = b"4\r\nWiki\r\n1f\r\n".to_vec();
    want.extend_from_slice(&[b'x'; 0x1f]);
    want.extend_from_slice(b"\r\n");
    want.extend_from_slice(alloc::format!("{:x}\r\n", usize::MAX).as_bytes());
    assert_eq!(out, want);

    out.clear();
    encode_last_chunk(&mut out, &[]).unwrap();
    assert_eq!(out, b"0\r\n\r\n");
    out.clear();
    encode_last_chunk(&mut out, &[(b"a", b"1"), (b"B-c", b"x y")]).unwrap();
    assert_eq!(out, b"0\r\na: 1\r\nB-c: x y\r\n\r\n");
}

#[test]
fn last_chunk_refuses_bad_trailers_and_leaves_out_unchanged() {
    let mut out = b"1\r\nx\r\n".to_vec();
    let before = out.clone();
    for (trailers, err) in [
        (
            &[(&b"ok"[..], &b"1"[..]), (b"bad\r\n", b"1")][..],
            UsageError::InvalidField,
        ),
        (
            &[(b"ok", b"1"), (b"x", b"1\r\nx: 2")],
            UsageError::InvalidField,
        ),
        (&[(b"x", b"\0")], UsageError::InvalidField),
        (&[(b"x", b"a\nb")], UsageError::InvalidField),
        (&[(b"", b"a")], UsageError::InvalidField),
        (
            &[(b"ok", b"1"), (b"Content-Length", b"1")],
            UsageError::ManagedField,
        ),
        (
            &[(b"transfer-encoding", b"chunked")],
            UsageError::ManagedField,
        ),
    ] {
        assert_eq!(encode_last_chunk(&mut out, trailers), Err(err));
        assert_eq!(out, before);
    }
}

#[test]
fn encoder_reserves_once() {
    let mut out = Vec::with_capacity(64);
    encode_chunk(&mut out, b"hello");
    encode_last_chunk(&mut out, &[(b"a", b"b")]).unwrap();
    assert_eq!(out.capacity(), 64);
}

// --- properties ---

fn token() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        proptest::sample::select(b"abcXYZ09!#$%&'*+-.^_`|~".to_vec()),
        1..6,
    )
}

fn quoted() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            proptest::sample::select(b"ab \t\x80\xff(),;=".to_vec()).prop_map(|b| vec![b]),
            proptest::sample::select(b"\"\\a\t".to_vec()).prop_map(|b| vec![b'\\', b]),
        ],
        0..4,
    )
    .prop_map(|parts| {
        let mut q = vec![b'"'];
        q.extend(parts.concat());
        q.push(b'"');
        q
    })
}

fn bws() -> impl Strategy<Value = &'static [u8]> {
    proptest::sample::select(vec![&b""[..], b" ", b"\t", b" \t "])
}

/// One valid chunk-ext: BWS ";" BWS name [ BWS "=" BWS value ].
fn extension() -> impl Strategy<Value = Vec<u8>> {
    (
        bws(),
        bws(),
        token(),
        proptest::option::of((bws(), bws(), prop_oneof![token(), quoted()])),
    )
        .prop_map(|(a, b, name, value)| {
            let mut e = a.to_vec();
            e.push(b';');
            e.extend_from_slice(b);
            e.extend(name);
            if let Some((c, d, v)) = value {
                e.extend_from_slice(c);
                e.push(b'=');
                e.extend_from_slice(d);
                e.extend(v);
            }
            e
        })
}

fn size_line(len: usize, zeros: usize, upper: bool, exts: &[Vec<u8>]) -> Vec<u8> {
    let mut line = vec![b'0'; zeros];
    let hex = if upper {
        alloc::format!("{len:X}")
    } else {
        alloc::format!("{len:x}")
    };
    line.extend_from_slice(hex.as_bytes());
    for e in exts {
        line.extend_from_slice(e);
    }
    line.extend_from_slice(b"\r\n");
    line
}

type Chunk = (Vec<u8>, usize, bool, Vec<Vec<u8>>);

fn chunks() -> impl Strategy<Value = Vec<Chunk>> {
    proptest::collection::vec(
        (
            proptest::collection::vec(any::<u8>(), 1..40),
            0..3usize,
            any::<bool>(),
            proptest::collection::vec(extension(), 0..3),
        ),
        0..6,
    )
}

fn trailer_section() -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>)>> {
    proptest::collection::vec(
        (
            token(),
            proptest::collection::vec(
                proptest::sample::select(b"ab \t:;\"\x80\xff".to_vec()),
                0..8,
            )
            .prop_map(|v| {
                let mut v = v;
                while matches!(v.first(), Some(b' ' | b'\t')) {
                    v.remove(0);
                }
                while matches!(v.last(), Some(b' ' | b'\t')) {
                    v.pop();
                }
                v
            }),
        ),
        0..4,
    )
}

/// A chunked body with extensions (valid), and the data it carries.
fn body(chunks: &[Chunk], last_exts: &[Vec<u8>], trailers: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut wire = Vec::new();
    let mut data = Vec::new();
    for (bytes, zeros, upper, exts) in chunks {
        wire.extend(size_line(bytes.len(), *zeros, *upper, exts));
        wire.extend_from_slice(bytes);
        wire.extend_from_slice(b"\r\n");
        data.extend_from_slice(bytes);
    }
    wire.extend(size_line(0, 0, false, last_exts));
    wire.extend_from_slice(trailers);
    (wire, data)
}

/// Cuts `input` at the given points (taken modulo its length).
fn split<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    points.push(0);
    points.push(input.len());
    points.sort_unstable();
    points.windows(2).map(|w| &input[w[0]..w[1]]).collect()
}

/// Bytes that exercise every state of the size-line grammar.
const FRAMING_BYTES: &[u8] = b"0019aAfFgx;= \t\"\\\r\n\x00\x7f\x80";

proptest! {
    #[test]
    fn any_split_gives_the_same_result(
        chunks in chunks(),
        last in proptest::collection::vec(extension(), 0..2),
        mutations in proptest::collection::vec((any::<usize>(), proptest::sample::select(FRAMING_BYTES.to_vec())), 0..3),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
        max_ext in prop_oneof![Just(0usize), Just(16), Just(4096)],
    ) {
        let (mut wire, _) = body(&chunks, &last, b"t: v\r\n\r\n");
        let len = wire.len();
        for (at, byte) in mutations {
            wire[at % len] = byte;
        }
        let reference = whole(max_ext, &wire);
        prop_assert_eq!(&run(max_ext, &split(&wire, &cuts)), &reference);
        prop_assert_eq!(&bytewise(max_ext, &wire), &reference);
    }

    #[test]
    fn encode_then_decode_is_identity(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..8),
        trailers in trailer_section(),
        vectored in any::<bool>(),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let mut wire = Vec::new();
        for c in &chunks {
            if vectored && !c.is_empty() {
                encode_chunk_header(&mut wire, c.len());
                wire.extend_from_slice(c);
                wire.extend_from_slice(b"\r\n");
            } else {
                encode_chunk(&mut wire, c);
            }
        }
        let before = wire.len();
        let pairs: Vec<(&[u8], &[u8])> = trailers.iter().map(|(n, v)| (&n[..], &v[..])).collect();
        encode_last_chunk(&mut wire, &pairs).unwrap();
        let mut section = Vec::new();
        for (n, v) in &trailers {
            crate::h1::write::write_field(&mut section, n, v).unwrap();
        }
        section.extend_from_slice(b"\r\n");
        prop_assert_eq!(&wire[before..before + 3], b"0\r\n");
        prop_assert_eq!(&wire[before + 3..], &section[..]);

        let (data, end) = run(0, &split(&wire, &cuts));
        prop_assert_eq!(data, chunks.concat());
        prop_assert_eq!(end, End::Trailers(section));
    }

    #[test]
    fn valid_bodies_decode(
        chunks in chunks(),
        last in proptest::collection::vec(extension(), 0..2),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let (wire, data) = body(&chunks, &last, b"\r\n");
        let (got, end) = run(usize::MAX, &split(&wire, &cuts));
        prop_assert_eq!(got, data);
        prop_assert_eq!(end, End::Trailers(b"\r\n".to_vec()));
    }

    #[test]
    fn arbitrary_input_never_panics(
        input in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..200),
            proptest::collection::vec(proptest::sample::select(FRAMING_BYTES.to_vec()), 0..200),
        ],
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        max_ext in 0..64usize,
    ) {
        let reference = whole(max_ext, &input);
        prop_assert_eq!(run(max_ext, &split(&input, &cuts)), reference);
    }
}
