//! Body transfer shared by the server and client machines: reading a body out of
//! the read buffer (with chunk framing removed in place), and writing one with
//! the framing its head announced.

use super::chunked::{ChunkedDecoder, Decoded, encode_chunk_header, encode_last_chunk};
use super::head::{BodyFraming, FieldSpan};
use super::parse::{Parsed, parse_fields};
use super::{Error, ErrorKind, ParseOptions, UsageError};
use crate::buf::{ReadBuf, WriteBuf};

/// Where a body being received stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Receiving {
    /// This many bytes are still to come.
    Length(u64),
    /// Chunks are being decoded.
    Chunked,
    /// The last chunk was read; the trailer section is being parsed.
    Trailers,
    /// Everything until the peer closes.
    CloseDelimited,
    /// The body ended.
    Finished,
}

/// Reads one body out of the read buffer.
///
/// Offsets are relative to `base`, the number of bytes at the front of the read
/// buffer that belong to the head still lent to the application. Decoded body
/// bytes are moved together at the front of the body region (`ready` of them), so
/// the application sees one contiguous slice however many chunks it came in.
#[derive(Clone, Debug)]
pub(crate) struct BodyReader {
    state: Receiving,
    decoder: ChunkedDecoder,
    /// Body bytes decoded so far, against `max`.
    received: u64,
    max: u64,
    /// Decoded body bytes at the front of the body region.
    ready: usize,
    /// The parsed trailer section: its length and field count, at the front once
    /// `ready` bytes were taken.
    trailers: Option<(usize, usize)>,
}

impl BodyReader {
    pub(crate) fn new(max_extensions_size: usize) -> Self {
        BodyReader {
            state: Receiving::Finished,
            decoder: ChunkedDecoder::new(max_extensions_size),
            received: 0,
            max: 0,
            ready: 0,
            trailers: None,
        }
    }

    /// Starts a body with `framing`, at most `max` bytes long.
    pub(crate) fn start(&mut self, framing: BodyFraming, max: u64) {
        self.state = match framing {
            BodyFraming::Empty | BodyFraming::Length(0) => Receiving::Finished,
            BodyFraming::Length(n) => Receiving::Length(n),
            BodyFraming::Chunked => {
                self.decoder.reset();
                Receiving::Chunked
            }
            BodyFraming::CloseDelimited => Receiving::CloseDelimited,
        };
        self.received = 0;
        self.max = max;
        self.ready = 0;
        self.trailers = None;
    }

    /// Decoded body bytes waiting at the front of the body region.
    pub(crate) fn ready(&self) -> usize {
        self.ready
    }

    /// The trailer section waiting after the ready bytes: (length, field count).
    pub(crate) fn trailers(&self) -> Option<(usize, usize)> {
        self.trailers
    }

    /// Whether the body ended on the wire (bytes or trailers may still wait for delivery).
    pub(crate) fn is_received(&self) -> bool {
        self.state == Receiving::Finished
    }

    /// Whether the body ended and everything was delivered.
    pub(crate) fn is_finished(&self) -> bool {
        self.state == Receiving::Finished && self.ready == 0 && self.trailers.is_none()
    }

    /// Whether more body bytes could arrive (for the body timer).
    pub(crate) fn is_waiting_for_bytes(&self) -> bool {
        self.state != Receiving::Finished
    }

    /// Marks `n` ready bytes as taken; the caller consumes them from the read buffer.
    pub(crate) fn take_ready(&mut self, n: usize) {
        self.ready -= n.min(self.ready);
    }

    /// Marks the trailer section as taken; returns its length to consume.
    pub(crate) fn take_trailers(&mut self) -> usize {
        self.trailers.take().map_or(0, |(len, _)| len)
    }

    /// Moves the body forward over the bytes in `read` after `base`.
    pub(crate) fn process(
        &mut self,
        read: &mut ReadBuf,
        base: usize,
        spans: &mut [FieldSpan],
        opts: &ParseOptions,
        max_trailer_size: usize,
    ) -> Result<(), Error> {
        let available = read.len() - base;
        match self.state {
            Receiving::Finished => Ok(()),
            Receiving::Length(remaining) => {
                let new = (available - self.ready) as u64;
                let take = new.min(remaining);
                self.ready += take as usize;
                self.received += take;
                self.state = if take == remaining {
                    Receiving::Finished
                } else {
                    Receiving::Length(remaining - take)
                };
                Ok(())
            }
            Receiving::CloseDelimited => {
                let new = (available - self.ready) as u64;
                self.received += new;
                self.ready = available;
                if self.received > self.max {
                    return Err(ErrorKind::BodyTooLarge.into());
                }
                Ok(())
            }
            Receiving::Chunked | Receiving::Trailers => {
                self.process_chunked(read, base, spans, opts, max_trailer_size)
            }
        }
    }

    fn process_chunked(
        &mut self,
        read: &mut ReadBuf,
        base: usize,
        spans: &mut [FieldSpan],
        opts: &ParseOptions,
        max_trailer_size: usize,
    ) -> Result<(), Error> {
        // `raw` is where undecoded bytes start, relative to the body region.
        let mut raw = self.ready;
        let result = loop {
            let data = &mut read.data_mut()[base..];
            if self.state == Receiving::Trailers {
                match parse_fields(&data[raw..], spans, opts) {
                    Ok(Parsed::Complete { fields, len, .. }) => {
                        // Move the section down against the body bytes so it is contiguous.
                        data.copy_within(raw..raw + len, self.ready);
                        raw += len;
                        self.trailers = Some((len, fields));
                        // The spans are relative to the section's start, wherever it sits.
                        self.state = Receiving::Finished;
                        break Ok(());
                    }
                    Ok(Parsed::Partial) if data.len() - raw >= max_trailer_size => {
                        break Err(ErrorKind::TrailersTooLarge.into());
                    }
                    Ok(Parsed::Partial) => break Ok(()),
                    Err(e) if e.kind() == ErrorKind::TooManyFields => {
                        break Err(ErrorKind::TrailersTooLarge.into());
                    }
                    Err(e) => break Err(e),
                }
            }
            match self.decoder.decode(&data[raw..])? {
                Decoded::Data { start, len } => {
                    let from = raw + start;
                    data.copy_within(from..from + len, self.ready);
                    self.ready += len;
                    raw = from + len;
                    self.received += len as u64;
                    if self.received > self.max {
                        break Err(ErrorKind::BodyTooLarge.into());
                    }
                }
                Decoded::NeedMore { consumed } => {
                    raw += consumed;
                    break Ok(());
                }
                Decoded::TrailersStart { consumed } => {
                    raw += consumed;
                    self.state = Receiving::Trailers;
                }
            }
        };
        // Drop the framing between the decoded bytes (and trailers) and the rest.
        let kept = self.ready + self.trailers.map_or(0, |(len, _)| len);
        read.cut(base + kept, base + raw);
        result
    }

    /// The peer closed its side: fine for a close-delimited body, an error otherwise.
    pub(crate) fn handle_eof(&mut self) -> Result<(), Error> {
        match self.state {
            Receiving::Finished => Ok(()),
            Receiving::CloseDelimited => {
                self.state = Receiving::Finished;
                Ok(())
            }
            _ => Err(ErrorKind::IncompleteBody.into()),
        }
    }
}

/// Where a body being sent stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyWriter {
    /// No body bytes may be sent (HEAD, 1xx, 204, 304, empty bodies).
    Empty,
    /// This many bytes are still owed.
    Length(u64),
    /// Chunked: each send is one chunk.
    Chunked,
    /// Raw bytes until the connection closes.
    CloseDelimited,
    /// The body was finished.
    Finished,
}

/// Bytes of chunk framing around one chunk: up to 16 hex digits and two CRLFs.
const CHUNK_OVERHEAD: usize = 16 + 4;

impl BodyWriter {
    /// Queues as much of `data` as the output room allows; returns how much.
    pub(crate) fn send(&mut self, out: &mut WriteBuf, data: &[u8]) -> Result<usize, UsageError> {
        if data.is_empty() {
            return match self {
                BodyWriter::Finished => Err(UsageError::BodyFinished),
                _ => Ok(0),
            };
        }
        let room = out.room();
        let n = match *self {
            BodyWriter::Finished => return Err(UsageError::BodyFinished),
            BodyWriter::Empty => return Err(UsageError::BodyNotAllowed),
            BodyWriter::Length(remaining) => {
                if data.len() as u64 > remaining {
                    return Err(UsageError::BodyTooLong);
                }
                let n = data.len().min(room);
                out.extend(&data[..n]);
                *self = BodyWriter::Length(remaining - n as u64);
                n
            }
            BodyWriter::Chunked => {
                let n = data.len().min(room.saturating_sub(CHUNK_OVERHEAD));
                if n > 0 {
                    let v = out.vec();
                    encode_chunk_header(v, n);
                    v.extend_from_slice(&data[..n]);
                    v.extend_from_slice(b"\r\n");
                }
                n
            }
            BodyWriter::CloseDelimited => {
                let n = data.len().min(room);
                out.extend(&data[..n]);
                n
            }
        };
        if n == 0 {
            return Err(UsageError::OutputFull);
        }
        Ok(n)
    }

    /// Ends the body, with trailers for a chunked one.
    pub(crate) fn finish(
        &mut self,
        out: &mut WriteBuf,
        trailers: &[(&[u8], &[u8])],
    ) -> Result<(), UsageError> {
        match *self {
            BodyWriter::Finished => return Err(UsageError::BodyFinished),
            BodyWriter::Length(n) if n > 0 => return Err(UsageError::BodyTooShort),
            BodyWriter::Chunked => encode_last_chunk(out.vec(), trailers)?,
            _ if !trailers.is_empty() => return Err(UsageError::TrailersNotChunked),
            _ => {}
        }
        *self = BodyWriter::Finished;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn run(framing: BodyFraming, input: &[&[u8]]) -> Result<(Vec<u8>, usize), Error> {
        let mut read = ReadBuf::new(64, 4096);
        let mut body = BodyReader::new(1024);
        let mut spans = [FieldSpan::default(); 8];
        body.start(framing, 1 << 20);
        let mut out = Vec::new();
        let mut trailer_fields = 0;
        for piece in input {
            assert_eq!(read.extend_from(piece), piece.len());
            body.process(&mut read, 0, &mut spans, &ParseOptions::default(), 1024)?;
            let n = body.ready();
            out.extend_from_slice(&read.data()[..n]);
            body.take_ready(n);
            read.consume(n);
            if let Some((len, fields)) = body.trailers() {
                trailer_fields = fields;
                body.take_trailers();
                read.consume(len);
            }
        }
        assert!(body.is_finished() || framing == BodyFraming::CloseDelimited);
        Ok((out, trailer_fields))
    }

    #[test]
    fn length_body_stops_at_its_end() {
        let mut read = ReadBuf::new(64, 64);
        read.extend_from(b"helloGET");
        let mut body = BodyReader::new(16);
        body.start(BodyFraming::Length(5), 100);
        body.process(&mut read, 0, &mut [], &ParseOptions::default(), 100)
            .unwrap();
        assert_eq!(body.ready(), 5);
        assert!(body.is_received());
    }

    #[test]
    fn chunked_body_is_made_contiguous() {
        let (data, trailers) = run(
            BodyFraming::Chunked,
            &[b"3\r\nabc\r\n2\r", b"\nde\r\n0\r\nx-t: 1\r\n", b"\r\n"],
        )
        .unwrap();
        assert_eq!(data, b"abcde");
        assert_eq!(trailers, 1);
    }

    #[test]
    fn chunked_any_split_same_bytes() {
        let wire = b"5\r\nhello\r\n1;a=b\r\n \r\n0\r\n\r\n";
        for split in 0..wire.len() {
            let (a, b) = wire.split_at(split);
            assert_eq!(run(BodyFraming::Chunked, &[a, b]).unwrap().0, b"hello ");
        }
    }

    #[test]
    fn chunked_body_limit() {
        let mut read = ReadBuf::new(64, 64);
        read.extend_from(b"a\r\n0123456789\r\n");
        let mut body = BodyReader::new(16);
        body.start(BodyFraming::Chunked, 5);
        let err = body.process(&mut read, 0, &mut [], &ParseOptions::default(), 100);
        assert_eq!(err.unwrap_err().kind(), ErrorKind::BodyTooLarge);
    }

    #[test]
    fn writer_enforces_length() {
        let mut out = WriteBuf::new(64, 64);
        let mut w = BodyWriter::Length(3);
        assert_eq!(w.send(&mut out, b"abcd"), Err(UsageError::BodyTooLong));
        assert_eq!(w.send(&mut out, b"ab"), Ok(2));
        assert_eq!(w.finish(&mut out, &[]), Err(UsageError::BodyTooShort));
        assert_eq!(w.send(&mut out, b"c"), Ok(1));
        assert_eq!(w.finish(&mut out, &[]), Ok(()));
        assert_eq!(w.send(&mut out, b"d"), Err(UsageError::BodyFinished));
        assert_eq!(out.pending(), b"abc");
    }

    #[test]
    fn writer_chunks_within_room() {
        let mut out = WriteBuf::new(64, 30);
        let mut w = BodyWriter::Chunked;
        assert_eq!(w.send(&mut out, &[b'x'; 100]), Ok(10));
        assert_eq!(w.send(&mut out, b"y"), Err(UsageError::OutputFull));
        out.advance(out.len());
        w.finish(&mut out, &[(b"x-t", b"1")]).unwrap();
        assert_eq!(out.pending(), b"0\r\nx-t: 1\r\n\r\n");
    }
}
