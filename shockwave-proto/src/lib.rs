//! Shockwave's protocol machines: protocol logic without I/O.
//!
//! A machine takes the bytes that arrived and the current time, and hands back
//! events for the application, bytes to send, and the next moment it wants to be
//! woken. Sockets, clocks and threads live in the adapters (`shockwave-tokio`,
//! `shockwave-mio`, or your own loop).
//!
//! The crate is `#![no_std]` + `alloc`. The `std` feature (on by default) adds
//! `std::error::Error` impls and run-time CPU feature detection for the SIMD
//! kernels; without it the kernels are picked at compile time.
//!
//! | module | protocol |
//! | --- | --- |
//! | [`h1`] | HTTP/1.1 (RFC 9112, semantics of RFC 9110): parser, chunked codec, head writer, server and client connections |
//! | [`h2`] | HTTP/2 (RFC 9113, RFC 9218 priorities, RFC 8441 extended CONNECT): frame codec, streams, flow control, server and client connections |
//! | [`hpack`] | HPACK (RFC 7541): encoder, decoder into a reused arena, tables |
//! | [`huffman`] | the Huffman code of RFC 7541 appendix B, shared by HPACK and QPACK |
//! | [`ws`] | WebSocket (RFC 6455, RFC 7692 permessage-deflate): handshakes for HTTP/1.1 and HTTP/2, frame codec, SIMD masking and UTF-8 checks, the connection |
//! | [`time`] | the crate's own [`time::Instant`]: nanoseconds from an origin the driver picks |
//! | [`buf`] | the bounded, reusable byte buffers every machine reads into and writes from |
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod buf;
pub mod h1;
pub mod h2;
pub mod hpack;
pub mod huffman;
pub(crate) mod simd;
pub mod time;
pub mod ws;

pub use time::Instant;

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

#[cfg(all(test, feature = "std"))]
std::thread_local! {
    /// Tests set this to run the general paths alone (the HTTP/1.1 request
    /// parser and response path, the WebSocket frame loop), to check the
    /// short paths for common input against them.
    pub(crate) static GENERAL_PATHS: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Whether a test asked for the general paths alone (never, outside tests).
#[inline(always)]
pub(crate) fn tests_take_general_paths() -> bool {
    #[cfg(all(test, feature = "std"))]
    {
        GENERAL_PATHS.with(|g| g.get())
    }
    #[cfg(not(all(test, feature = "std")))]
    {
        false
    }
}
