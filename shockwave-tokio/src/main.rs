//! The reference server (work in progress).
fn main() {}
