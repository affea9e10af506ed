//! The bridge between tokio's clock and the machines' [`Instant`].
//!
//! Machines count nanoseconds from an origin the driver picks; every adapter in
//! this crate uses one origin per process, taken the first time it is asked for.

use std::sync::OnceLock;

use shockwave_proto::Instant;

fn origin() -> tokio::time::Instant {
    static ORIGIN: OnceLock<tokio::time::Instant> = OnceLock::new();
    *ORIGIN.get_or_init(tokio::time::Instant::now)
}

/// The machines' `now`.
pub fn now() -> Instant {
    to_machine(tokio::time::Instant::now())
}

/// A tokio instant as a machine instant.
pub fn to_machine(t: tokio::time::Instant) -> Instant {
    let nanos = t.saturating_duration_since(origin()).as_nanos();
    Instant::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// A machine instant (a deadline from `poll_timeout`) as a tokio instant.
pub fn to_tokio(t: Instant) -> tokio::time::Instant {
    origin() + std::time::Duration::from_nanos(t.as_nanos())
}

/// Seconds since the Unix epoch, for the machines' `Date` field.
pub fn unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
