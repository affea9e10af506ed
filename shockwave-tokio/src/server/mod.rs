//! The HTTP/1.1 server (work in progress).
