//! Bounded, reusable byte buffers shared by every machine.
//!
//! A machine owns one [`ReadBuf`] (bytes that arrived but were not consumed yet)
//! and one [`WriteBuf`] (bytes queued for the peer). Both are allocated when the
//! connection is made (a WebSocket machine's read buffer on first use instead,
//! [`ReadBuf::unallocated`]), grow only up to a configured limit, and are reused
//! for every request, message or frame after that, so the steady state
//! allocates nothing.

use alloc::vec::Vec;

/// Bytes received from the peer, consumed from the front.
///
/// The filled region is `data()`; the adapter reads the socket straight into
/// `spare()` and reports what it wrote with `filled(n)`. Consumed bytes are
/// reclaimed by moving the unconsumed tail to the front, only when room is needed.
#[derive(Debug)]
pub struct ReadBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    max: usize,
    /// The room the last `spare_for_read` offered, and whether the read filled
    /// it: data streaming in full reads earns a bigger buffer.
    offered: usize,
    grow: bool,
}

impl ReadBuf {
    /// A buffer of `initial` bytes that may grow to `max` bytes.
    pub fn new(initial: usize, max: usize) -> Self {
        let max = max.max(1);
        let initial = initial.clamp(1, max);
        ReadBuf {
            buf: alloc::vec![0; initial],
            start: 0,
            end: 0,
            max,
            offered: 0,
            grow: false,
        }
    }

    /// A buffer that may grow to `max` bytes and has no room yet: it allocates
    /// when it is first asked to hold something ([`ReadBuf::reserve_total`]).
    pub const fn unallocated(max: usize) -> Self {
        ReadBuf {
            buf: Vec::new(),
            start: 0,
            end: 0,
            max,
            offered: 0,
            grow: false,
        }
    }

    /// A buffer with no room that allocates nothing: what stands in for a
    /// machine's buffer while its bytes are lent out (`core::mem::replace`).
    pub const fn detached() -> Self {
        Self::unallocated(0)
    }

    /// The bytes received and not consumed yet.
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// The unconsumed bytes, mutably (used to unmask or decrypt in place).
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buf[self.start..self.end]
    }

    /// Number of unconsumed bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether every received byte was consumed.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Marks the first `n` unconsumed bytes as consumed.
    #[inline]
    pub fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.len());
        self.start += n.min(self.len());
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Free room after the data, compacting first when that makes room.
    /// Empty when the buffer is full at its limit: the driver should stop reading
    /// (backpressure) until the machine consumed something.
    pub fn spare(&mut self) -> &mut [u8] {
        if self.end == self.buf.len() && self.start > 0 {
            self.compact();
        }
        &mut self.buf[self.end..]
    }

    /// Room for the next socket read. The buffer doubles (up to its limit) when
    /// it is full and `stuck` (the bytes it holds cannot be delivered until more
    /// arrive: an unfinished head), or when the last read filled all the room
    /// offered and the reader kept up (a stream arriving faster than the buffer
    /// size per read). A reader that falls behind gets no more room: backpressure.
    pub fn spare_for_read(&mut self, stuck: bool) -> &mut [u8] {
        if self.end == self.buf.len() && self.start > 0 {
            self.compact();
        }
        let full = self.end == self.buf.len();
        let streaming = core::mem::take(&mut self.grow) && self.is_empty();
        if ((full && stuck) || streaming) && self.buf.len() < self.max {
            let want = self.buf.len().saturating_mul(2).min(self.max);
            self.reserve_total(want.max(self.len()));
        }
        let spare = &mut self.buf[self.end..];
        self.offered = spare.len();
        spare
    }

    /// Records that the driver wrote `n` bytes into [`ReadBuf::spare`].
    #[inline]
    pub fn filled(&mut self, n: usize) {
        self.grow = n > 0 && n == self.offered;
        self.end = (self.end + n).min(self.buf.len());
    }

    /// Copies as much of `bytes` as fits and returns how many were taken.
    pub fn extend_from(&mut self, bytes: &[u8]) -> usize {
        let spare = self.spare();
        let n = spare.len().min(bytes.len());
        spare[..n].copy_from_slice(&bytes[..n]);
        self.filled(n);
        n
    }

    /// Removes `data()[from..to]`, moving the bytes after it down (used to drop
    /// framing, such as chunk-size lines, from between body bytes).
    pub fn cut(&mut self, from: usize, to: usize) {
        let (from, to) = (self.start + from, self.start + to.min(self.len()));
        if from >= to {
            return;
        }
        self.buf.copy_within(to..self.end, from);
        self.end -= to - from;
    }

    /// Grows the buffer (doubling, at most to the limit) so that at least
    /// `want` unconsumed bytes fit. Returns false when the limit forbids it.
    pub fn reserve_total(&mut self, want: usize) -> bool {
        if want > self.max {
            return false;
        }
        if self.start > 0 {
            self.compact();
        }
        if want > self.buf.len() {
            let mut size = self.buf.len().max(1);
            while size < want {
                size = size.saturating_mul(2);
            }
            self.buf.resize(size.min(self.max), 0);
        }
        true
    }

    /// Total capacity right now (grows up to [`ReadBuf::limit`]).
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The most this buffer may grow to.
    pub fn limit(&self) -> usize {
        self.max
    }

    /// Whether the buffer cannot take another byte without consuming first.
    pub fn is_full(&self) -> bool {
        self.len() >= self.max
    }

    fn compact(&mut self) {
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
    }
}

/// Bytes queued for the peer, drained from the front by `advance`.
#[derive(Debug)]
pub struct WriteBuf {
    buf: Vec<u8>,
    start: usize,
    max: usize,
}

impl WriteBuf {
    /// An empty queue with `initial` bytes reserved that accepts up to `max` bytes
    /// (a soft limit: [`WriteBuf::room`] tells callers how much they may still add).
    pub fn new(initial: usize, max: usize) -> Self {
        WriteBuf {
            buf: Vec::with_capacity(initial.min(max)),
            start: 0,
            max,
        }
    }

    /// The bytes waiting to be sent.
    #[inline]
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Number of bytes waiting to be sent.
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Whether nothing waits to be sent.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many more bytes may be queued before the limit.
    #[inline]
    pub fn room(&self) -> usize {
        self.max.saturating_sub(self.len())
    }

    /// Records that `n` bytes were handed to the socket.
    pub fn advance(&mut self, n: usize) {
        self.start += n.min(self.len());
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    /// The vector to append to. Callers check [`WriteBuf::room`] first; the vector
    /// keeps its capacity across requests, so steady-state appends do not allocate.
    #[inline]
    pub fn vec(&mut self) -> &mut Vec<u8> {
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.reclaim();
        }
        &mut self.buf
    }

    /// Moves the unsent bytes to the front (rare: the socket took only part).
    #[cold]
    #[inline(never)]
    fn reclaim(&mut self) {
        self.buf.drain(..self.start);
        self.start = 0;
    }

    /// Appends `bytes`.
    #[inline]
    pub fn extend(&mut self, bytes: &[u8]) {
        self.vec().extend_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_buf_compacts_and_grows_to_limit() {
        let mut b = ReadBuf::new(4, 16);
        assert_eq!(b.extend_from(b"abcdef"), 4);
        b.consume(2);
        assert_eq!(b.data(), b"cd");
        assert_eq!(b.extend_from(b"ef"), 2);
        assert_eq!(b.data(), b"cdef");
        assert!(b.reserve_total(10));
        assert_eq!(b.capacity(), 16);
        assert!(!b.reserve_total(17));
        b.cut(1, 3);
        assert_eq!(b.data(), b"cf");
        b.consume(2);
        assert!(b.is_empty());
    }

    #[test]
    fn full_reads_grow_only_while_the_reader_keeps_up() {
        let mut b = ReadBuf::new(4, 16);
        let n = b.spare_for_read(false).len();
        b.filled(n); // a full read, not consumed yet: no growth
        assert!(b.spare_for_read(false).is_empty());
        b.consume(4);
        assert_eq!(b.spare_for_read(false).len(), 4, "the flag was spent");
        b.filled(4);
        b.consume(4);
        assert_eq!(b.spare_for_read(false).len(), 8, "kept up: doubled");
        b.filled(3); // a short read: no growth
        b.consume(3);
        assert_eq!(b.spare_for_read(false).len(), 8);
        b.filled(8);
        assert_eq!(
            b.spare_for_read(true).len(),
            8,
            "stuck and full: doubled to the limit"
        );
        assert!(b.spare_for_read(true).len() == 8 && b.capacity() == 16);
    }

    #[test]
    fn write_buf_advances() {
        let mut w = WriteBuf::new(8, 8);
        w.extend(b"hello");
        assert_eq!(w.room(), 3);
        w.advance(2);
        assert_eq!(w.pending(), b"llo");
        w.advance(3);
        assert!(w.is_empty());
        assert_eq!(w.room(), 8);
    }
}
