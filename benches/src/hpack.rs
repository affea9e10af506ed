//! HPACK side by side: Shockwave's codec, `httlib-hpack`, the `hpack` crate
//! and nghttp2's own HPACK (through `libnghttp2-sys`), wrapped alike, over the
//! hpack-test-case corpus (`../shared/corpora/hpack-test-case` from the
//! repository root).
//!
//! A story of the corpus is one connection: every implementation gets fresh
//! contexts per story, made outside the measured code, and reused output
//! buffers. Decoding runs over one implementation directory's blocks (nghttp2's
//! are Huffman coded; swift-nio's `plain-text` ones are not); encoding runs
//! over `raw-data`'s header lists. `benches/hpack.sh` runs both harnesses and
//! prints nanoseconds and instructions per field with the ratios.
//!
//! This is the only place in the workspace with FFI: each `unsafe` block
//! calls nghttp2 as its documentation says, with a `SAFETY` comment.

use std::hint::black_box;
use std::path::PathBuf;

use libnghttp2_sys as ng;
use shockwave_proto::hpack as sw;

/// One header block of a story.
#[derive(Clone, Debug)]
pub struct Case {
    /// The encoded block (empty in `raw-data`).
    pub wire: Vec<u8>,
    /// Its header list.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
}

/// A story: blocks sharing one compression context, starting at `table_size`.
#[derive(Clone, Debug)]
pub struct Story {
    /// SETTINGS_HEADER_TABLE_SIZE at the start.
    pub table_size: usize,
    /// The blocks in order.
    pub cases: Vec<Case>,
}

/// The corpus directory.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/hpack-test-case")
}

/// Every story of one corpus directory, in file order.
///
/// # Panics
///
/// When the corpus is missing or malformed, or a story changes its table
/// size midway (the benchmarks use directories that do not).
pub fn load(dir: &str) -> Vec<Story> {
    let path = corpus_dir().join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("story_")
        })
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            let cases = json["cases"].as_array().unwrap();
            let table_size = cases[0]["header_table_size"].as_u64().unwrap_or(4096) as usize;
            let cases = cases
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i > 0 {
                        assert!(
                            c["header_table_size"].is_null(),
                            "{}: table size change",
                            f.display()
                        );
                    }
                    let wire = c["wire"].as_str().map_or_else(Vec::new, hex);
                    let headers = c["headers"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .flat_map(|h| h.as_object().unwrap().iter())
                        .map(|(n, v)| {
                            (
                                n.as_bytes().to_vec(),
                                v.as_str().unwrap().as_bytes().to_vec(),
                            )
                        })
                        .collect();
                    Case { wire, headers }
                })
                .collect();
            Story { table_size, cases }
        })
        .collect()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Header fields in `stories`.
pub fn field_count(stories: &[Story]) -> usize {
    stories
        .iter()
        .flat_map(|s| &s.cases)
        .map(|c| c.headers.len())
        .sum()
}

/// Name and value octets in `stories`.
pub fn plain_octets(stories: &[Story]) -> usize {
    stories
        .iter()
        .flat_map(|s| &s.cases)
        .flat_map(|c| &c.headers)
        .map(|(n, v)| n.len() + v.len())
        .sum()
}

/// An HPACK implementation under test: its contexts and one block's work.
pub trait Codec {
    /// The name in reports.
    const NAME: &'static str;
    /// A decoding context.
    type Decoder;
    /// An encoding context.
    type Encoder;
    /// Buffers reused from block to block.
    type Scratch: Default;
    /// A decoder for a connection whose table starts at `table_size`.
    fn decoder(table_size: usize) -> Self::Decoder;
    /// Decodes one block; returns the fields and their name+value octets.
    fn decode(d: &mut Self::Decoder, scratch: &mut Self::Scratch, wire: &[u8]) -> (usize, usize);
    /// An encoder for a connection at the default table size.
    fn encoder() -> Self::Encoder;
    /// Encodes one header list into `out` (cleared first).
    fn encode(
        e: &mut Self::Encoder,
        scratch: &mut Self::Scratch,
        headers: &[(Vec<u8>, Vec<u8>)],
        out: &mut Vec<u8>,
    );
}

/// Fresh decoders for every story.
pub fn decoders<C: Codec>(stories: &[Story]) -> Vec<C::Decoder> {
    stories.iter().map(|s| C::decoder(s.table_size)).collect()
}

/// Fresh encoders for every story.
pub fn encoders<C: Codec>(stories: &[Story]) -> Vec<C::Encoder> {
    stories.iter().map(|_| C::encoder()).collect()
}

/// Decodes every block of `stories` with `decoders` (one per story);
/// returns the fields decoded.
pub fn decode_all<C: Codec>(
    stories: &[Story],
    decoders: &mut [C::Decoder],
    scratch: &mut C::Scratch,
) -> usize {
    let mut fields = 0;
    for (story, d) in stories.iter().zip(decoders) {
        for case in &story.cases {
            fields += C::decode(d, scratch, black_box(&case.wire)).0;
        }
    }
    fields
}

/// Encodes every header list of `stories` with `encoders` (one per story);
/// returns the wire octets.
pub fn encode_all<C: Codec>(
    stories: &[Story],
    encoders: &mut [C::Encoder],
    scratch: &mut C::Scratch,
    out: &mut Vec<u8>,
) -> usize {
    let mut wire = 0;
    for (story, e) in stories.iter().zip(encoders) {
        for case in &story.cases {
            C::encode(e, scratch, black_box(&case.headers), out);
            wire += out.len();
        }
    }
    wire
}

/// Checks that `C` decodes every block of `stories` to the expected number
/// of fields and octets (a wrong decoder must not look fast).
pub fn check_decoder<C: Codec>(stories: &[Story]) -> Result<(), String> {
    let mut scratch = C::Scratch::default();
    for (s, story) in stories.iter().enumerate() {
        let mut d = C::decoder(story.table_size);
        for (i, case) in story.cases.iter().enumerate() {
            let expected = (
                case.headers.len(),
                case.headers.iter().map(|(n, v)| n.len() + v.len()).sum(),
            );
            let got = C::decode(&mut d, &mut scratch, &case.wire);
            if got != expected {
                return Err(format!(
                    "{}: story {s} case {i}: {got:?} != {expected:?}",
                    C::NAME
                ));
            }
        }
    }
    Ok(())
}

/// Encodes every story with `C`, checks that Shockwave's decoder gets the
/// lists back, and returns the compression ratio (wire / name+value octets).
pub fn checked_ratio<C: Codec>(stories: &[Story]) -> Result<f64, String> {
    let mut scratch = C::Scratch::default();
    let mut out = Vec::new();
    let mut list = sw::HeaderList::new(usize::MAX);
    let mut wire = 0;
    for (s, story) in stories.iter().enumerate() {
        let mut e = C::encoder();
        let mut d = sw::Decoder::new(4096);
        for (i, case) in story.cases.iter().enumerate() {
            C::encode(&mut e, &mut scratch, &case.headers, &mut out);
            d.decode(&out, &mut list)
                .map_err(|err| format!("{}: story {s} case {i}: {err}", C::NAME))?;
            if !list
                .iter()
                .map(|f| (f.name, f.value))
                .eq(case.headers.iter().map(|(n, v)| (&n[..], &v[..])))
            {
                return Err(format!("{}: story {s} case {i}: wrong list", C::NAME));
            }
            wire += out.len();
        }
    }
    Ok(wire as f64 / plain_octets(stories) as f64)
}

/// Shockwave's `hpack` module.
pub struct Shockwave;

impl Codec for Shockwave {
    const NAME: &'static str = "shockwave";
    type Decoder = sw::Decoder;
    type Encoder = sw::Encoder;
    type Scratch = ShockwaveScratch;

    fn decoder(table_size: usize) -> sw::Decoder {
        sw::Decoder::new(table_size)
    }

    fn decode(d: &mut sw::Decoder, scratch: &mut ShockwaveScratch, wire: &[u8]) -> (usize, usize) {
        d.decode(wire, &mut scratch.list)
            .expect("shockwave decodes the corpus");
        let octets = scratch
            .list
            .iter()
            .map(|f| f.name.len() + f.value.len())
            .sum();
        (scratch.list.len(), octets)
    }

    fn encoder() -> sw::Encoder {
        sw::Encoder::new()
    }

    fn encode(
        e: &mut sw::Encoder,
        _: &mut ShockwaveScratch,
        headers: &[(Vec<u8>, Vec<u8>)],
        out: &mut Vec<u8>,
    ) {
        out.clear();
        e.encode(headers.iter().map(|(n, v)| (&n[..], &v[..])), out);
    }
}

/// Shockwave's reused header list.
pub struct ShockwaveScratch {
    list: sw::HeaderList,
}

impl Default for ShockwaveScratch {
    fn default() -> Self {
        Self {
            list: sw::HeaderList::new(usize::MAX),
        }
    }
}

/// The `hpack` crate (0.3).
pub struct HpackCrate;

impl Codec for HpackCrate {
    const NAME: &'static str = "hpack";
    type Decoder = ::hpack::Decoder<'static>;
    type Encoder = ::hpack::Encoder<'static>;
    type Scratch = ();

    fn decoder(table_size: usize) -> Self::Decoder {
        let mut d = ::hpack::Decoder::new();
        d.set_max_table_size(table_size);
        d
    }

    fn decode(d: &mut Self::Decoder, _: &mut (), wire: &[u8]) -> (usize, usize) {
        let (mut fields, mut octets) = (0, 0);
        // The callback form: no Vec per field (the crate's cheapest way).
        d.decode_with_cb(wire, |n, v| {
            fields += 1;
            octets += n.len() + v.len();
        })
        .expect("hpack decodes the corpus");
        (fields, octets)
    }

    fn encoder() -> Self::Encoder {
        ::hpack::Encoder::new()
    }

    fn encode(
        e: &mut Self::Encoder,
        _: &mut (),
        headers: &[(Vec<u8>, Vec<u8>)],
        out: &mut Vec<u8>,
    ) {
        out.clear();
        e.encode_into(headers.iter().map(|(n, v)| (&n[..], &v[..])), out)
            .unwrap();
    }
}

/// `httlib-hpack` (0.1).
pub struct Httlib;

/// httlib's buffers: its decoder consumes a `Vec` and fills a list of owned fields.
#[derive(Default)]
pub struct HttlibScratch {
    input: Vec<u8>,
    fields: Vec<(Vec<u8>, Vec<u8>, u8)>,
}

impl Codec for Httlib {
    const NAME: &'static str = "httlib";
    type Decoder = httlib_hpack::Decoder<'static>;
    type Encoder = httlib_hpack::Encoder<'static>;
    type Scratch = HttlibScratch;

    fn decoder(table_size: usize) -> Self::Decoder {
        httlib_hpack::Decoder::with_dynamic_size(table_size as u32)
    }

    fn decode(d: &mut Self::Decoder, s: &mut HttlibScratch, wire: &[u8]) -> (usize, usize) {
        s.input.clear();
        s.input.extend_from_slice(wire);
        s.fields.clear();
        d.decode(&mut s.input, &mut s.fields)
            .expect("httlib decodes the corpus");
        let octets = s.fields.iter().map(|(n, v, _)| n.len() + v.len()).sum();
        (s.fields.len(), octets)
    }

    fn encoder() -> Self::Encoder {
        httlib_hpack::Encoder::default()
    }

    fn encode(
        e: &mut Self::Encoder,
        _: &mut HttlibScratch,
        headers: &[(Vec<u8>, Vec<u8>)],
        out: &mut Vec<u8>,
    ) {
        out.clear();
        // Huffman names and values, incremental indexing, the best
        // representation the tables allow: its documented best-compression flags.
        let flags = httlib_hpack::Encoder::HUFFMAN_NAME
            | httlib_hpack::Encoder::HUFFMAN_VALUE
            | httlib_hpack::Encoder::WITH_INDEXING
            | httlib_hpack::Encoder::BEST_FORMAT;
        for (n, v) in headers {
            e.encode((n.clone(), v.clone(), flags), out)
                .expect("httlib encodes");
        }
    }
}

/// nghttp2's HPACK through `libnghttp2-sys`.
pub struct Nghttp2;

/// An owned `nghttp2_hd_inflater`.
pub struct Inflater(*mut ng::nghttp2_hd_inflater);

impl Drop for Inflater {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `nghttp2_hd_inflate_new` and is freed once, here.
        unsafe { ng::nghttp2_hd_inflate_del(self.0) }
    }
}

/// An owned `nghttp2_hd_deflater`.
pub struct Deflater(*mut ng::nghttp2_hd_deflater);

impl Drop for Deflater {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `nghttp2_hd_deflate_new` and is freed once, here.
        unsafe { ng::nghttp2_hd_deflate_del(self.0) }
    }
}

impl Codec for Nghttp2 {
    const NAME: &'static str = "nghttp2";
    type Decoder = Inflater;
    type Encoder = Deflater;
    /// The `nghttp2_nv` array handed to the deflater, reused.
    type Scratch = Vec<ng::nghttp2_nv>;

    fn decoder(table_size: usize) -> Inflater {
        let mut p = std::ptr::null_mut();
        // SAFETY: `p` is a valid out-pointer; nghttp2 allocates the inflater.
        let rv = unsafe { ng::nghttp2_hd_inflate_new(&mut p) };
        assert_eq!(rv, 0);
        // SAFETY: `p` is the live inflater just made; no block is in progress.
        let rv = unsafe { ng::nghttp2_hd_inflate_change_table_size(p, table_size) };
        assert_eq!(rv, 0);
        Inflater(p)
    }

    fn decode(d: &mut Inflater, _: &mut Self::Scratch, wire: &[u8]) -> (usize, usize) {
        let (mut fields, mut octets) = (0, 0);
        let mut rest = wire;
        loop {
            let mut nv = ng::nghttp2_nv {
                name: std::ptr::null_mut(),
                value: std::ptr::null_mut(),
                namelen: 0,
                valuelen: 0,
                flags: 0,
            };
            let mut flags = 0;
            // SAFETY: the inflater is live, `nv` and `flags` are valid out-pointers,
            // and `rest` is a live slice of `rest.len()` octets; the whole block is
            // given, so `in_final` is 1.
            let rv = unsafe {
                ng::nghttp2_hd_inflate_hd2(d.0, &mut nv, &mut flags, rest.as_ptr(), rest.len(), 1)
            };
            assert!(rv >= 0, "nghttp2 failed to inflate: {rv}");
            rest = &rest[rv as usize..];
            if flags & ng::NGHTTP2_HD_INFLATE_EMIT as i32 != 0 {
                fields += 1;
                octets += nv.namelen + nv.valuelen;
            }
            if flags & ng::NGHTTP2_HD_INFLATE_FINAL as i32 != 0 {
                // SAFETY: the inflater is live and the block is complete.
                unsafe { ng::nghttp2_hd_inflate_end_headers(d.0) };
                break;
            }
            if flags & ng::NGHTTP2_HD_INFLATE_EMIT as i32 == 0 && rest.is_empty() {
                break;
            }
        }
        (fields, octets)
    }

    fn encoder() -> Deflater {
        let mut p = std::ptr::null_mut();
        // SAFETY: `p` is a valid out-pointer; nghttp2 allocates the deflater.
        let rv = unsafe { ng::nghttp2_hd_deflate_new(&mut p, 4096) };
        assert_eq!(rv, 0);
        Deflater(p)
    }

    fn encode(
        e: &mut Deflater,
        nva: &mut Self::Scratch,
        headers: &[(Vec<u8>, Vec<u8>)],
        out: &mut Vec<u8>,
    ) {
        out.clear();
        nva.clear();
        nva.extend(headers.iter().map(|(n, v)| ng::nghttp2_nv {
            // nghttp2 only reads through these (the deflater copies what it indexes).
            name: n.as_ptr().cast_mut(),
            value: v.as_ptr().cast_mut(),
            namelen: n.len(),
            valuelen: v.len(),
            flags: ng::NGHTTP2_NV_FLAG_NONE as u8,
        }));
        // SAFETY: the deflater is live and `nva` holds `nva.len()` entries
        // pointing into `headers`, which outlives the call.
        let bound = unsafe { ng::nghttp2_hd_deflate_bound(e.0, nva.as_ptr(), nva.len()) };
        out.reserve(bound);
        // SAFETY: as above; `out` has `out.capacity()` writable octets.
        let rv = unsafe {
            ng::nghttp2_hd_deflate_hd(
                e.0,
                out.as_mut_ptr(),
                out.capacity(),
                nva.as_ptr(),
                nva.len(),
            )
        };
        assert!(rv >= 0, "nghttp2 failed to deflate: {rv}");
        // SAFETY: nghttp2 wrote `rv` initialised octets at the start of `out`.
        unsafe { out.set_len(rv as usize) };
    }
}

/// One implementation's whole-corpus decoding run, made ready outside the
/// measured code (for iai-callgrind's setup).
pub struct DecodeRun<C: Codec> {
    stories: Vec<Story>,
    decoders: Vec<C::Decoder>,
    scratch: C::Scratch,
}

impl<C: Codec> DecodeRun<C> {
    /// Loads `dir` and makes fresh decoders.
    pub fn new(dir: &str) -> Self {
        let stories = load(dir);
        Self {
            decoders: decoders::<C>(&stories),
            stories,
            scratch: C::Scratch::default(),
        }
    }

    /// Decodes the whole corpus; returns the fields decoded. Never inlined,
    /// so profilers can collect exactly this.
    #[inline(never)]
    pub fn run(&mut self) -> usize {
        decode_all::<C>(&self.stories, &mut self.decoders, &mut self.scratch)
    }
}

/// One implementation's whole-corpus encoding run over `raw-data`.
pub struct EncodeRun<C: Codec> {
    stories: Vec<Story>,
    encoders: Vec<C::Encoder>,
    scratch: C::Scratch,
    out: Vec<u8>,
}

impl<C: Codec> EncodeRun<C> {
    /// Loads `raw-data` and makes fresh encoders.
    pub fn new() -> Self {
        let stories = load("raw-data");
        Self {
            encoders: encoders::<C>(&stories),
            stories,
            scratch: C::Scratch::default(),
            out: Vec::new(),
        }
    }

    /// Encodes the whole corpus; returns the wire octets. Never inlined.
    #[inline(never)]
    pub fn run(&mut self) -> usize {
        encode_all::<C>(
            &self.stories,
            &mut self.encoders,
            &mut self.scratch,
            &mut self.out,
        )
    }
}

impl<C: Codec> Default for EncodeRun<C> {
    fn default() -> Self {
        Self::new()
    }
}
