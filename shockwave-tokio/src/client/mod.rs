//! The HTTP/1.1 client (work in progress).
