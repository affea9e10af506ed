//! SIMD kernels: the only place `unsafe` is allowed.
