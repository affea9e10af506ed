//! HTTP/2 conformance: every case of h2spec's `http2` and `hpack` groups, and
//! the RFC 9113 MUSTs around them, as tests of [`ServerConn`] driven by a
//! scripted client (`peer.rs`).
//!
//! One file per RFC 9113 section group; each test is named after its section
//! and asserts the exact error code and its scope: a connection error is a
//! GOAWAY with the code after which the machine closes, a stream error is a
//! RST_STREAM on that stream after which the connection still answers PING.
//! `conformance/README.md` maps h2spec's case numbers to these files.
//!
//! [`ServerConn`]: shockwave_proto::h2::ServerConn

#[path = "h2_conformance/peer.rs"]
mod peer;
#[path = "h2_conformance/wire.rs"]
mod wire;

#[path = "h2_conformance/generic.rs"]
mod generic;
#[path = "h2_conformance/hpack.rs"]
mod hpack;
#[path = "h2_conformance/hpack_corpus.rs"]
mod hpack_corpus;
#[path = "hpack_support/mod.rs"]
mod hpack_support;
#[path = "h2_conformance/s3_starting.rs"]
mod s3_starting;
#[path = "h2_conformance/s4_frames.rs"]
mod s4_frames;
#[path = "h2_conformance/s5_streams.rs"]
mod s5_streams;
#[path = "h2_conformance/s6_connection_frames.rs"]
mod s6_connection_frames;
#[path = "h2_conformance/s6_stream_frames.rs"]
mod s6_stream_frames;
#[path = "h2_conformance/s8_client.rs"]
mod s8_client;
#[path = "h2_conformance/s8_http.rs"]
mod s8_http;
