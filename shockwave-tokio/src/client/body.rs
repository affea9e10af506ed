//! The response body handed to the application, and the slot through which
//! the connection driver fills it.
//!
//! HTTP/1.1: the slot holds at most [`SLOT_LIMIT`] bytes: the driver stops
//! taking events from the machine (and so stops reading the socket, since the
//! machine lends no read buffer while body bytes wait) until the application
//! takes them.
//!
//! HTTP/2: many streams share the socket, so one slow reader must not stop the
//! others; flow control bounds the buffering instead. The driver queues every
//! DATA payload, and each byte the application takes goes back to the
//! connection's [`Releases`], from which the driver hands it to the machine
//! (`release_data`), which then gives the server credit. A stream's slot thus
//! never holds more than its receive window.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::{Buf, Bytes};
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use shockwave_proto::h2::StreamId;

use super::error::{BoxError, Error};

/// Bytes the driver queues for the application before it stops reading.
pub(crate) const SLOT_LIMIT: usize = 64 * 1024;

/// A request body of any type, boxed for the connection driver.
pub(crate) type RequestBody = Pin<Box<dyn Body<Data = Bytes, Error = BoxError> + Send + 'static>>;

/// Boxes a request body, turning its data into `Bytes`.
pub(crate) fn box_body<B>(body: B) -> RequestBody
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    Box::pin(Mapped { inner: body })
}

pin_project_lite::pin_project! {
    struct Mapped<B> {
        #[pin]
        inner: B,
    }
}

impl<B> Body for Mapped<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.project().inner.poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(
                frame.map_data(|mut d| d.copy_to_bytes(d.remaining()))
            ))),
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[derive(Default)]
struct SlotState {
    data: VecDeque<Bytes>,
    queued: usize,
    trailers: Option<HeaderMap>,
    /// `Some(Ok)` once the body ended, `Some(Err)` if it failed; the error is
    /// handed out once, then the body reads as ended.
    end: Option<Result<(), Error>>,
    reader_waker: Option<Waker>,
    driver_waker: Option<Waker>,
    reader_gone: bool,
}

/// The queue between the connection driver and one [`ResponseBody`].
#[derive(Default)]
pub(crate) struct Slot {
    state: Mutex<SlotState>,
    /// HTTP/2: where the bytes the reader takes (or drops) are credited.
    release: Option<(StreamId, Arc<Releases>)>,
}

impl Slot {
    /// The slot of an HTTP/2 stream: bytes taken by the reader are credited
    /// to `stream` in `releases`.
    pub(crate) fn for_stream(stream: StreamId, releases: Arc<Releases>) -> Self {
        Slot {
            state: Mutex::default(),
            release: Some((stream, releases)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, SlotState> {
        lock(&self.state)
    }

    /// Credits `bytes` the reader took or dropped (HTTP/2 only).
    fn released(&self, bytes: usize, reader_gone: bool) {
        if let Some((stream, releases)) = &self.release {
            releases.push(Release {
                stream: *stream,
                bytes,
                reader_gone,
            });
        }
    }

    /// Whether the driver may hand over more data now; if not, the driver is
    /// woken when the reader takes some (or goes away).
    pub(crate) fn poll_room(&self, cx: &mut Context<'_>) -> bool {
        let mut s = self.lock();
        if s.reader_gone || s.queued < SLOT_LIMIT {
            return true;
        }
        s.driver_waker = Some(cx.waker().clone());
        false
    }

    /// Whether the application dropped its [`ResponseBody`].
    pub(crate) fn reader_gone(&self) -> bool {
        self.lock().reader_gone
    }

    /// Queues body bytes; `false` if the reader is gone (the bytes are dropped,
    /// and an HTTP/2 driver credits them itself).
    pub(crate) fn push_data(&self, data: &[u8]) -> bool {
        let mut s = self.lock();
        if s.reader_gone {
            return false;
        }
        if !data.is_empty() {
            s.queued += data.len();
            s.data.push_back(Bytes::copy_from_slice(data));
            wake(&mut s.reader_waker);
        }
        true
    }

    /// Queues the trailer section.
    pub(crate) fn push_trailers(&self, trailers: HeaderMap) {
        let mut s = self.lock();
        s.trailers = Some(trailers);
        wake(&mut s.reader_waker);
    }

    /// Ends the body, successfully or not (the first end wins).
    pub(crate) fn end(&self, result: Result<(), Error>) {
        let mut s = self.lock();
        if s.end.is_none() {
            s.end = Some(result);
        }
        wake(&mut s.reader_waker);
    }
}

fn wake(waker: &mut Option<Waker>) {
    if let Some(w) = waker.take() {
        w.wake();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; keep going.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Body bytes of an HTTP/2 stream the application took (or dropped unread).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Release {
    pub(crate) stream: StreamId,
    pub(crate) bytes: usize,
    /// The reader dropped the body: the stream is not wanted any more.
    pub(crate) reader_gone: bool,
}

#[derive(Default)]
struct ReleaseQueue {
    entries: Vec<Release>,
    /// Bytes queued since the driver last took the queue.
    bytes: usize,
    driver_waker: Option<Waker>,
}

/// The credit the readers of one HTTP/2 connection's bodies gave back, for
/// its driver to hand to the machine. Two vectors swap between the readers
/// and the driver, so the queue allocates only while it grows.
///
/// The driver takes the queue on every pass, and readers wake it only when
/// the queued credit reaches `wake_at` (or a body was dropped): a small
/// response read to its end costs no extra pass of the driver. Nothing
/// stalls for it: with `wake_at` at most a quarter of the smallest window
/// and the machine announcing credit once half a window is released, the
/// server always has window left to send, and its next frame runs a pass.
pub(crate) struct Releases {
    queue: Mutex<ReleaseQueue>,
    wake_at: usize,
}

impl Releases {
    /// A queue for a connection whose smallest receive window is `window`.
    pub(crate) fn new(window: usize) -> Self {
        Releases {
            queue: Mutex::default(),
            wake_at: (window / 4).max(1),
        }
    }

    fn push(&self, release: Release) {
        let mut q = lock(&self.queue);
        q.bytes += release.bytes;
        match q.entries.last_mut() {
            // A reader taking chunk after chunk adds to its last entry.
            Some(last) if last.stream == release.stream && !last.reader_gone => {
                last.bytes += release.bytes;
                last.reader_gone = release.reader_gone;
            }
            _ => q.entries.push(release),
        }
        if release.reader_gone || q.bytes >= self.wake_at {
            wake(&mut q.driver_waker);
        }
    }

    /// Moves the queued releases into `out` (which must be empty); the driver
    /// is woken when enough more arrive.
    pub(crate) fn take(&self, cx: &mut Context<'_>, out: &mut Vec<Release>) {
        let mut q = lock(&self.queue);
        std::mem::swap(&mut q.entries, out);
        q.bytes = 0;
        if q.driver_waker
            .as_ref()
            .is_none_or(|w| !w.will_wake(cx.waker()))
        {
            q.driver_waker = Some(cx.waker().clone());
        }
    }
}

/// A request body sent again on another connection (the first one's server
/// did not process it): the chunks already taken from the body, then the rest.
pub(crate) struct Replay {
    pub(crate) chunks: VecDeque<Bytes>,
    /// The rest of the original body, if it had not ended.
    pub(crate) rest: Option<RequestBody>,
    /// The original body's trailers, if it had already yielded them.
    pub(crate) trailers: Option<HeaderMap>,
    /// The original body's size hint.
    pub(crate) hint: SizeHint,
}

impl Body for Replay {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Some(chunk) = self.chunks.pop_front() {
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        if let Some(trailers) = self.trailers.take() {
            return Poll::Ready(Some(Ok(Frame::trailers(trailers))));
        }
        match &mut self.rest {
            Some(rest) => rest.as_mut().poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
            && self.trailers.is_none()
            && self.rest.as_ref().is_none_or(|rest| rest.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.hint
    }
}

/// The body of a response: body chunks as they arrive, then the trailer
/// section (if the server sent one) as a final frame.
///
/// The server sends only as fast as this body is consumed. HTTP/1.1: the
/// connection reads the socket no faster, and dropping the body before its
/// end closes the connection instead of returning it to the pool (unless the
/// whole body had already arrived). HTTP/2: the bytes taken are credited back
/// to the server (flow control), and dropping the body before its end resets
/// only its stream (`CANCEL`); the connection's other requests go on.
///
/// Collect it with [`http_body_util::BodyExt::collect`], or use
/// [`ResponseBody::bytes`].
pub struct ResponseBody {
    slot: Option<Arc<Slot>>,
    hint: SizeHint,
}

impl ResponseBody {
    pub(crate) fn new(slot: Arc<Slot>, length: Option<u64>) -> Self {
        let hint = length.map_or_else(SizeHint::new, SizeHint::with_exact);
        ResponseBody {
            slot: Some(slot),
            hint,
        }
    }

    /// A body without bytes.
    pub fn empty() -> Self {
        ResponseBody {
            slot: None,
            hint: SizeHint::with_exact(0),
        }
    }

    /// Reads the whole body into one buffer (trailers are dropped).
    pub async fn bytes(self) -> Result<Bytes, Error> {
        use http_body_util::BodyExt;
        Ok(self.collect().await?.to_bytes())
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let Some(slot) = &self.slot else {
            return Poll::Ready(None);
        };
        let mut s = slot.lock();
        if let Some(data) = s.data.pop_front() {
            s.queued -= data.len();
            wake(&mut s.driver_waker);
            drop(s);
            slot.released(data.len(), false);
            let len = data.len() as u64;
            let mut hint = SizeHint::new();
            hint.set_lower(self.hint.lower().saturating_sub(len));
            if let Some(upper) = self.hint.upper() {
                // Set after the lower bound, which never exceeds it.
                hint.set_upper(upper.saturating_sub(len).max(hint.lower()));
            }
            self.hint = hint;
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        if let Some(trailers) = s.trailers.take() {
            return Poll::Ready(Some(Ok(Frame::trailers(trailers))));
        }
        match s.end.take() {
            Some(Ok(())) => {
                s.end = Some(Ok(()));
                Poll::Ready(None)
            }
            Some(Err(e)) => {
                s.end = Some(Ok(()));
                Poll::Ready(Some(Err(e)))
            }
            None => {
                s.reader_waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.slot {
            None => true,
            Some(slot) => {
                let s = slot.lock();
                s.data.is_empty() && s.trailers.is_none() && matches!(s.end, Some(Ok(())))
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        self.hint
    }
}

impl Drop for ResponseBody {
    fn drop(&mut self) {
        if let Some(slot) = &self.slot {
            let mut s = slot.lock();
            s.reader_gone = true;
            s.data.clear();
            let dropped = std::mem::take(&mut s.queued);
            wake(&mut s.driver_waker);
            drop(s);
            slot.released(dropped, true);
        }
    }
}

impl std::fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseBody")
            .field("size_hint", &self.hint)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, Full};

    #[tokio::test]
    async fn replay_yields_the_kept_chunks_then_the_rest() {
        let replay = Replay {
            chunks: [Bytes::from_static(b"ab"), Bytes::from_static(b"cd")].into(),
            rest: Some(box_body(Full::new(Bytes::from_static(b"ef")))),
            trailers: None,
            hint: SizeHint::with_exact(6),
        };
        assert_eq!(replay.size_hint().exact(), Some(6));
        let collected = replay.collect().await.unwrap();
        assert_eq!(collected.to_bytes(), "abcdef");
    }

    #[tokio::test]
    async fn replay_of_an_ended_body_ends_with_its_trailers() {
        let mut trailers = HeaderMap::new();
        trailers.insert("x-sum", "1".parse().unwrap());
        let replay = Replay {
            chunks: [Bytes::from_static(b"all")].into(),
            rest: None,
            trailers: Some(trailers),
            hint: SizeHint::new(),
        };
        assert!(!replay.is_end_stream());
        let collected = replay.collect().await.unwrap();
        assert_eq!(collected.trailers().unwrap()["x-sum"], "1");
        assert_eq!(collected.to_bytes(), "all");
    }

    fn drain(releases: &Releases) -> Vec<Release> {
        let mut out = Vec::new();
        let waker = std::task::Waker::noop();
        releases.take(&mut Context::from_waker(waker), &mut out);
        out
    }

    #[tokio::test]
    async fn reading_an_http2_body_credits_its_stream_and_dropping_it_says_so() {
        let releases = Arc::new(Releases::new(64));
        let stream = StreamId::new(3);
        let slot = Arc::new(Slot::for_stream(stream, releases.clone()));
        let mut body = ResponseBody::new(slot.clone(), None);
        assert!(slot.push_data(b"hello"));
        assert!(slot.push_data(b" world"));
        assert!(slot.push_data(b"!"));
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        let second = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!((&first[..], &second[..]), (&b"hello"[..], &b" world"[..]));
        // Two reads of one stream add up in one entry.
        let taken = drain(&releases);
        assert_eq!(taken.len(), 1);
        assert_eq!(
            (taken[0].stream, taken[0].bytes, taken[0].reader_gone),
            (stream, 11, false)
        );
        // The unread byte is credited when the body goes, with the notice.
        drop(body);
        let taken = drain(&releases);
        assert_eq!(taken.len(), 1);
        assert_eq!((taken[0].bytes, taken[0].reader_gone), (1, true));
        assert!(!slot.push_data(b"late"));
    }

    struct CountWakes(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn readers_wake_the_driver_only_for_credit_that_matters() {
        let releases = Releases::new(4000);
        let count = Arc::new(CountWakes(Default::default()));
        let waker = std::task::Waker::from(count.clone());
        let wakes = || count.0.load(std::sync::atomic::Ordering::SeqCst);
        let mut out = Vec::new();
        releases.take(&mut Context::from_waker(&waker), &mut out);
        let release = |stream, bytes, reader_gone| Release {
            stream: StreamId::new(stream),
            bytes,
            reader_gone,
        };
        // A small body read to its end: no wake, the next pass takes it.
        releases.push(release(1, 300, false));
        releases.push(release(3, 600, false));
        assert_eq!(wakes(), 0);
        // A quarter of the window: wake.
        releases.push(release(3, 100, false));
        assert_eq!(wakes(), 1);
        releases.take(&mut Context::from_waker(&waker), &mut out);
        assert_eq!(out.iter().map(|r| r.bytes).sum::<usize>(), 1000);
        out.clear();
        // A dropped body always wakes (its stream is reset).
        releases.push(release(5, 0, true));
        assert_eq!(wakes(), 2);
    }
}
