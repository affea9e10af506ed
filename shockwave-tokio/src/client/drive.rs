//! Pieces both connection drivers (HTTP/1.1 in `conn.rs`, HTTP/2 in
//! `http2/`) use the same way: writing out what a machine queued, the one
//! timer of a connection, and the conversions between `http` types and the
//! machines' borrowed fields.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{HeaderMap, HeaderName, HeaderValue, Uri};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::error::{Error, ErrorKind};

/// The output half of a machine: one slice to write, then how much was.
pub(crate) trait Transmit {
    fn poll_transmit(&mut self) -> Option<&[u8]>;
    fn advance_transmit(&mut self, n: usize);
}

impl Transmit for shockwave_proto::h1::client::ClientConn {
    fn poll_transmit(&mut self) -> Option<&[u8]> {
        shockwave_proto::h1::client::ClientConn::poll_transmit(self)
    }
    fn advance_transmit(&mut self, n: usize) {
        shockwave_proto::h1::client::ClientConn::advance_transmit(self, n);
    }
}

impl Transmit for shockwave_proto::h2::ClientConn {
    fn poll_transmit(&mut self) -> Option<&[u8]> {
        shockwave_proto::h2::ClientConn::poll_transmit(self)
    }
    fn advance_transmit(&mut self, n: usize) {
        shockwave_proto::h2::ClientConn::advance_transmit(self, n);
    }
}

/// Writes what `conn` queued until the socket would block, then flushes.
/// `need_flush` carries a pending flush from pass to pass.
pub(crate) fn poll_write<IO, M>(
    io: &mut IO,
    conn: &mut M,
    need_flush: &mut bool,
    cx: &mut Context<'_>,
    progress: &mut bool,
) -> Result<(), Error>
where
    IO: AsyncWrite + Unpin,
    M: Transmit,
{
    while let Some(bytes) = conn.poll_transmit() {
        match Pin::new(&mut *io).poll_write(cx, bytes) {
            Poll::Ready(Ok(0)) => {
                return Err(Error::with(
                    ErrorKind::Io,
                    std::io::Error::from(std::io::ErrorKind::WriteZero),
                ));
            }
            Poll::Ready(Ok(n)) => {
                conn.advance_transmit(n);
                *need_flush = true;
                *progress = true;
            }
            Poll::Ready(Err(e)) => return Err(Error::with(ErrorKind::Io, e)),
            Poll::Pending => return Ok(()),
        }
    }
    if *need_flush {
        match Pin::new(&mut *io).poll_flush(cx) {
            Poll::Ready(Ok(())) => *need_flush = false,
            Poll::Ready(Err(e)) => return Err(Error::with(ErrorKind::Io, e)),
            Poll::Pending => {}
        }
    }
    Ok(())
}

/// Reads what the socket has into `buf` (the machine's `input_buf`); 0 is
/// the end of the stream.
pub(crate) fn poll_read<IO: AsyncRead + Unpin>(
    io: &mut IO,
    buf: &mut [u8],
    cx: &mut Context<'_>,
) -> Poll<std::io::Result<usize>> {
    let mut read = ReadBuf::new(buf);
    match Pin::new(io).poll_read(cx, &mut read) {
        Poll::Ready(Ok(())) => Poll::Ready(Ok(read.filled().len())),
        Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        Poll::Pending => Poll::Pending,
    }
}

/// A connection's one timer, moved only when the deadline changes.
pub(crate) struct Timer {
    sleep: Pin<Box<Sleep>>,
    at: Option<Instant>,
}

impl Timer {
    pub(crate) fn new(now: Instant) -> Self {
        Timer {
            sleep: Box::pin(tokio::time::sleep_until(now)),
            at: None,
        }
    }

    /// Arms the timer for the earliest of `deadlines`; `Ready(now)` once that
    /// moment passed (the timer is then disarmed until armed again).
    pub(crate) fn poll(
        &mut self,
        cx: &mut Context<'_>,
        deadlines: [Option<Instant>; 2],
    ) -> Poll<Instant> {
        let Some(at) = deadlines.into_iter().flatten().min() else {
            return Poll::Pending;
        };
        if self.at != Some(at) {
            self.sleep.as_mut().reset(at);
            self.at = Some(at);
        }
        if self.sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.at = None;
        Poll::Ready(Instant::now())
    }
}

/// The authority of an absolute URI without its userinfo (`user@`), which
/// neither `Host` nor `:authority` may carry (RFC 9113 §8.3.1).
pub(crate) fn uri_authority(uri: &Uri) -> Option<&str> {
    let authority = uri.authority()?.as_str();
    Some(
        authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host),
    )
}

/// Which part of a received field was not a valid `http` header.
#[derive(Clone, Copy, Debug)]
pub(crate) enum BadField {
    Name,
    Value,
}

/// A received field section of `len` fields as an `http` header map.
pub(crate) fn header_map<'a>(
    len: usize,
    fields: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
) -> Result<HeaderMap, BadField> {
    let mut map = HeaderMap::with_capacity(len);
    for (name, value) in fields {
        let name = HeaderName::from_bytes(name).map_err(|_| BadField::Name)?;
        let value = HeaderValue::from_bytes(value).map_err(|_| BadField::Value)?;
        map.append(name, value);
    }
    Ok(map)
}
