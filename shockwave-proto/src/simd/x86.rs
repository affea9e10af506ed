//! x86_64 kernels.

use super::{Job, Scalar};

/// Runs `job` with the best x86_64 kernel.
#[inline]
pub(crate) fn dispatch<J: Job>(job: J) -> J::Output {
    job.run(Scalar)
}
