//! Compression and decompression of messages (RFC 7692 section 7.2) with
//! `miniz_oxide`'s raw DEFLATE.

use alloc::boxed::Box;
use alloc::vec::Vec;

use miniz_oxide::deflate::core::{
    CompressorOxide, TDEFLFlush, TDEFLStatus, compress_to_output, create_comp_flags_from_zip_params,
};
use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

/// The sync-flush marker a sender removes and the receiver puts back (section 7.2.1, 7.2.2).
const TAIL: [u8; 4] = [0x00, 0x00, 0xFF, 0xFF];

/// The inflater's window: the largest LZ77 window (2^15), which decodes all smaller ones.
const WINDOW: usize = 1 << 15;

/// Why a compressed message could not be inflated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InflateError {
    /// The data is not valid DEFLATE (close 1007).
    Invalid,
    /// The message inflates past its limit (a decompression bomb: close 1009, RFC 7692 section 8).
    TooLarge,
}

/// Decompresses the messages of one direction of a connection.
///
/// Compressed bytes are fed as they arrive ([`Inflater::inflate`]) and the
/// output is appended to a caller's buffer, never past a limit; the
/// message ends with [`Inflater::finish_message`]. Memory is fixed: the
/// 32 KiB window and miniz_oxide's decoder tables.
pub struct Inflater {
    decoder: Box<DecompressorOxide>,
    window: Box<[u8]>,
    /// Where the next output byte goes in `window`.
    pos: usize,
    /// The message's data had a final block (BFINAL): anything after it is invalid.
    ended: bool,
    /// Some of the message's data was fed.
    fed: bool,
    /// The sender resets its context after each message (its `no_context_takeover`).
    reset_each_message: bool,
}

impl core::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Inflater")
            .field("pos", &self.pos)
            .field("reset_each_message", &self.reset_each_message)
            .finish_non_exhaustive()
    }
}

impl Inflater {
    /// An inflater; `no_context_takeover` when the sender resets its context after each message.
    pub fn new(no_context_takeover: bool) -> Self {
        Inflater {
            decoder: Box::default(),
            window: alloc::vec![0; WINDOW].into_boxed_slice(),
            pos: 0,
            ended: false,
            fed: false,
            reset_each_message: no_context_takeover,
        }
    }

    /// Inflates the next `input` bytes of a message, appending to `out`.
    /// Fails with [`InflateError::TooLarge`] before `out` would pass `limit` bytes.
    pub fn inflate(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), InflateError> {
        self.fed |= !input.is_empty();
        self.run(input, out, limit)
    }

    /// Ends a message: puts back the removed sync-flush marker (RFC 7692
    /// section 7.2.2) and inflates what it releases. The context is kept for
    /// the next message unless the sender resets its own.
    pub fn finish_message(&mut self, out: &mut Vec<u8>, limit: usize) -> Result<(), InflateError> {
        // An empty payload holds no block header for the marker to complete:
        // taken as an empty message that leaves the context as it was.
        if !core::mem::take(&mut self.fed) {
            return Ok(());
        }
        if !self.ended {
            self.run(&TAIL, out, limit)?;
        }
        if self.ended {
            // A final block ends a DEFLATE stream; the next message starts a new
            // one, still able to refer to this one's window.
            self.decoder.init();
            self.ended = false;
        }
        if self.reset_each_message {
            self.decoder.init();
            self.pos = 0;
        }
        Ok(())
    }

    fn run(
        &mut self,
        mut input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), InflateError> {
        let flags =
            inflate_flags::TINFL_FLAG_HAS_MORE_INPUT | inflate_flags::TINFL_FLAG_IGNORE_ADLER32;
        loop {
            if self.ended {
                return if input.is_empty() {
                    Ok(())
                } else {
                    Err(InflateError::Invalid)
                };
            }
            let (status, read, written) =
                decompress(&mut self.decoder, input, &mut self.window, self.pos, flags);
            input = input.get(read..).ok_or(InflateError::Invalid)?;
            let produced = self
                .window
                .get(self.pos..self.pos + written)
                .ok_or(InflateError::Invalid)?;
            if out.len() + produced.len() > limit {
                return Err(InflateError::TooLarge);
            }
            out.extend_from_slice(produced);
            self.pos = (self.pos + written) & (WINDOW - 1);
            match status {
                TINFLStatus::Done => self.ended = true,
                TINFLStatus::HasMoreOutput => {}
                TINFLStatus::NeedsMoreInput if input.is_empty() => return Ok(()),
                TINFLStatus::NeedsMoreInput if read > 0 || written > 0 => {}
                _ => return Err(InflateError::Invalid),
            }
        }
    }
}

/// Compresses the messages of one direction of a connection.
pub struct Deflater {
    compressor: Box<CompressorOxide>,
    /// Reset after each message: our `no_context_takeover`, or a window the
    /// compressor cannot keep to otherwise (see the [module docs](super)).
    fresh_each_message: bool,
    /// The longest message we may compress (the window the peer allows us).
    max_len: usize,
    /// Inside a message (a part was compressed and the last has not come).
    in_message: bool,
    /// The current message goes out as stored blocks: it may not fit the window.
    stored: bool,
}

impl core::fmt::Debug for Deflater {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Deflater")
            .field("fresh_each_message", &self.fresh_each_message)
            .field("max_len", &self.max_len)
            .finish_non_exhaustive()
    }
}

impl Deflater {
    /// A compressor at `level` (0..=10) keeping to our negotiated
    /// `no_context_takeover` and `max_window_bits`.
    pub fn new(level: u8, no_context_takeover: bool, max_window_bits: u8) -> Self {
        // Negative window bits: raw DEFLATE, no zlib header.
        let flags = create_comp_flags_from_zip_params(i32::from(level.min(10)), -15, 0);
        let limited = max_window_bits < 15;
        Deflater {
            compressor: Box::new(CompressorOxide::new(flags)),
            fresh_each_message: no_context_takeover || limited,
            max_len: if limited {
                1 << max_window_bits.max(8)
            } else {
                usize::MAX
            },
            in_message: false,
            stored: false,
        }
    }

    /// Compresses the next part of a message, appending to `out`; `fin` ends
    /// the message (the sync-flush marker is removed then, RFC 7692 section 7.2.1).
    pub fn compress(&mut self, data: &[u8], fin: bool, out: &mut Vec<u8>) {
        if !self.in_message {
            // A limited window: a message longer than it, or in parts of
            // unknown total length, is written as stored blocks.
            self.stored = self.max_len != usize::MAX && !(fin && data.len() <= self.max_len);
        }
        self.in_message = !fin;
        if self.stored {
            write_stored(data, out);
            if fin {
                // The empty stored block of the sync flush, its LEN/NLEN (the
                // marker) removed (RFC 7692 section 7.2.1).
                out.push(0x00);
            }
            return;
        }
        if data.is_empty() {
            // Nothing to add to the stream. A message's last part must still
            // carry the header bits of the empty stored block whose LEN and
            // NLEN are the removed marker: one 0x00 (RFC 7692 section 7.2.3.6).
            if fin {
                out.push(0x00);
                if self.fresh_each_message {
                    self.compressor.reset();
                }
            }
            return;
        }
        let start = out.len();
        let mut input = data;
        loop {
            let (status, read) =
                compress_to_output(&mut self.compressor, input, TDEFLFlush::Sync, |chunk| {
                    out.extend_from_slice(chunk);
                    true
                });
            input = input.get(read..).unwrap_or(&[]);
            if status != TDEFLStatus::Okay || input.is_empty() {
                break;
            }
        }
        if fin {
            if out[start..].ends_with(&TAIL) {
                out.truncate(out.len() - TAIL.len());
            }
            if self.fresh_each_message {
                self.compressor.reset();
            }
        }
    }
}

/// `data` as non-final DEFLATE stored blocks (RFC 1951 section 3.2.4): each a
/// header byte (BFINAL 0, BTYPE 00, padded to the byte), LEN, NLEN, the bytes.
fn write_stored(data: &[u8], out: &mut Vec<u8>) {
    for chunk in data.chunks(usize::from(u16::MAX)) {
        let len = chunk.len() as u16;
        out.push(0x00);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate_all(inf: &mut Inflater, msg: &[u8]) -> Result<Vec<u8>, InflateError> {
        let mut out = Vec::new();
        inf.inflate(msg, &mut out, 1 << 20)?;
        inf.finish_message(&mut out, 1 << 20)?;
        Ok(out)
    }

    #[test]
    fn section_7_2_3_examples_inflate() {
        // 7.2.3.1: "Hello" compressed.
        let mut inf = Inflater::new(false);
        assert_eq!(
            inflate_all(&mut inf, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]).unwrap(),
            b"Hello"
        );
        // 7.2.3.2: the second "Hello" with context takeover refers to the first.
        assert_eq!(
            inflate_all(&mut inf, &[0xf2, 0x00, 0x11, 0x00, 0x00]).unwrap(),
            b"Hello"
        );
        // Without context takeover, the second message is the first one's bytes again.
        let mut fresh = Inflater::new(true);
        for _ in 0..2 {
            assert_eq!(
                inflate_all(&mut fresh, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]).unwrap(),
                b"Hello"
            );
        }
        // 7.2.3.3: a stored block.
        let stored = [
            0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
        ];
        assert_eq!(
            inflate_all(&mut Inflater::new(false), &stored).unwrap(),
            b"Hello"
        );
        // Fed one byte at a time.
        let mut inf = Inflater::new(false);
        let mut out = Vec::new();
        for b in [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00] {
            inf.inflate(&[b], &mut out, 100).unwrap();
        }
        inf.finish_message(&mut out, 100).unwrap();
        assert_eq!(out, b"Hello");
        // 7.2.3.5: a message ending in a final block (BFINAL set), then one more on the same context.
        let mut inf = Inflater::new(false);
        assert_eq!(
            inflate_all(&mut inf, &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]).unwrap(),
            b"Hello"
        );
        assert_eq!(
            inflate_all(&mut inf, &[0xf2, 0x00, 0x11, 0x00, 0x00]).unwrap(),
            b"Hello"
        );
    }

    #[test]
    fn section_7_2_3_examples_deflate() {
        let mut out = Vec::new();
        let mut d = Deflater::new(6, false, 15);
        d.compress(b"Hello", true, &mut out);
        assert_eq!(out, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
        out.clear();
        d.compress(b"Hello", true, &mut out);
        assert_eq!(out, [0xf2, 0x00, 0x11, 0x00, 0x00]);
        // No context takeover: each message on its own.
        let mut d = Deflater::new(6, true, 15);
        for _ in 0..2 {
            out.clear();
            d.compress(b"Hello", true, &mut out);
            assert_eq!(out, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
        }
        // An empty message is a single 0x00 (RFC 7692 section 7.2.3.6).
        out.clear();
        Deflater::new(1, false, 15).compress(b"", true, &mut out);
        assert_eq!(out, [0x00]);
    }

    #[test]
    fn round_trips_with_and_without_context_takeover() {
        let text: Vec<u8> = (0..200_000u32)
            .map(|i| b"abcdefghij"[(i * 7 % 13 % 10) as usize])
            .collect();
        for (takeover, level) in [(true, 1), (false, 6), (true, 0), (false, 9)] {
            let mut d = Deflater::new(level, !takeover, 15);
            let mut inf = Inflater::new(!takeover);
            for len in [0, 1, 5, 1000, 70_000, 200_000] {
                let mut wire = Vec::new();
                d.compress(&text[..len], true, &mut wire);
                let mut out = Vec::new();
                // In pieces, as frames arrive.
                for piece in wire.chunks(777) {
                    inf.inflate(piece, &mut out, len).unwrap();
                }
                inf.finish_message(&mut out, len).unwrap();
                assert_eq!(out, &text[..len], "len {len} level {level}");
            }
            // A fragmented message: parts compressed separately, one stream.
            let mut wire = Vec::new();
            for (i, part) in text[..5000].chunks(1200).enumerate() {
                d.compress(part, i == 4, &mut wire);
            }
            let mut out = Vec::new();
            inf.inflate(&wire, &mut out, 5000).unwrap();
            inf.finish_message(&mut out, 5000).unwrap();
            assert_eq!(out, &text[..5000]);
        }
    }

    #[test]
    fn limits_and_garbage() {
        // A bomb: a megabyte of zeros compresses to about a kilobyte.
        let zeros = alloc::vec![0u8; 1 << 20];
        let mut wire = Vec::new();
        Deflater::new(6, false, 15).compress(&zeros, true, &mut wire);
        assert!(wire.len() < 2000);
        let mut inf = Inflater::new(false);
        let mut out = Vec::new();
        assert_eq!(
            inf.inflate(&wire, &mut out, 64 * 1024),
            Err(InflateError::TooLarge)
        );
        assert!(out.len() <= 64 * 1024);
        // Reserved block type 3.
        let mut inf = Inflater::new(false);
        assert_eq!(
            inf.inflate(&[0xff, 0xff], &mut Vec::new(), 100),
            Err(InflateError::Invalid)
        );
        // Bytes after a final block.
        let mut inf = Inflater::new(false);
        assert_eq!(
            inf.inflate(
                &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x01],
                &mut Vec::new(),
                100
            ),
            Err(InflateError::Invalid)
        );
    }

    #[test]
    fn limited_windows_send_long_messages_as_stored_blocks() {
        let text: Vec<u8> = (0..70_000u32)
            .map(|i| b"abcabcab"[(i % 8) as usize])
            .collect();
        let mut d = Deflater::new(6, false, 9);
        let mut inf = Inflater::new(true);
        // Short: really compressed. Long, or in parts: stored blocks only.
        for (len, parts) in [
            (512, 1),
            (513, 1),
            (4096, 1),
            (70_000, 1),
            (300, 3),
            (70_000, 4),
        ] {
            let msg = &text[..len];
            let mut out = Vec::new();
            let step = len.div_ceil(parts);
            for (i, part) in msg.chunks(step).enumerate() {
                d.compress(part, i + 1 == parts, &mut out);
            }
            if len <= 512 && parts == 1 {
                assert!(out.len() < len / 2, "compressed {len}: {} bytes", out.len());
            } else {
                // Walk the stored blocks: header 0x00, LEN, NLEN, bytes; then the final 0x00.
                let mut at = 0;
                while at + 1 < out.len() {
                    assert_eq!(out[at], 0x00, "stored block header at {at}");
                    let n = usize::from(u16::from_le_bytes([out[at + 1], out[at + 2]]));
                    let nn = u16::from_le_bytes([out[at + 3], out[at + 4]]);
                    assert_eq!(nn, !(n as u16));
                    at += 5 + n;
                }
                assert_eq!(&out[at..], &[0x00], "sync-flush block without its marker");
            }
            assert_eq!(
                inflate_all(&mut inf, &out).unwrap(),
                msg,
                "{len} bytes in {parts}"
            );
        }
        // An unlimited window compresses long messages too.
        let mut full = Deflater::new(6, false, 15);
        let mut out = Vec::new();
        full.compress(&text, true, &mut out);
        assert!(out.len() < text.len() / 10);
    }
}
