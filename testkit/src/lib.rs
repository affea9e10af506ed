//! Test support shared by the workspace's crates.
//!
//! [`Counting`] is the global allocator behind every zero-allocation test.
//! It forwards each call to [`System`] and counts allocations (and
//! reallocations, with the bytes asked for) only where a test asked it to:
//!
//! - [`counts_in`] / [`allocations_in`]: what a closure allocates on this thread;
//! - [`start_counting`] / [`stop_counting`]: what this thread allocates between
//!   two points, for async sections on a current-thread runtime;
//! - [`count_this_thread_into`]: a thread (an event loop's, say) adds what it
//!   allocates from now on to a static [`Tally`] that another thread reads;
//! - [`all_threads`]: every allocation of the process so far.
//!
//! A test binary installs it with
//! `#[global_allocator] static GLOBAL: shockwave_testkit::Counting = shockwave_testkit::Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many allocations were counted and how many bytes they asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Allocations and reallocations.
    pub allocations: usize,
    /// Bytes asked for (a reallocation's new size).
    pub bytes: usize,
}

/// A shared counter a thread can add its allocations to
/// ([`count_this_thread_into`]) while another reads it.
#[derive(Debug, Default)]
pub struct Tally {
    allocations: AtomicUsize,
    bytes: AtomicUsize,
}

impl Tally {
    /// An empty tally, for a `static`.
    pub const fn new() -> Self {
        Tally {
            allocations: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
        }
    }

    /// What was counted so far.
    pub fn counts(&self) -> Counts {
        Counts {
            allocations: self.allocations.load(Ordering::SeqCst),
            bytes: self.bytes.load(Ordering::SeqCst),
        }
    }

    fn add(&self, bytes: usize) {
        self.allocations.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// Where this thread's allocations go.
#[derive(Clone, Copy)]
enum Sink {
    Off,
    Local(Counts),
    Shared(&'static Tally),
}

thread_local! {
    static SINK: Cell<Sink> = const { Cell::new(Sink::Off) };
}

static ALL: Tally = Tally::new();

fn count(bytes: usize) {
    ALL.add(bytes);
    // `try_with`: the allocator also runs while thread-locals are torn down.
    let _ = SINK.try_with(|sink| match sink.get() {
        Sink::Off => {}
        Sink::Local(c) => sink.set(Sink::Local(Counts {
            allocations: c.allocations + 1,
            bytes: c.bytes + bytes,
        })),
        Sink::Shared(tally) => tally.add(bytes),
    });
}

/// The counting allocator: [`System`] underneath, counting as the module docs say.
pub struct Counting;

// SAFETY: every call goes unchanged to `System`; counting touches only atomics
// and a const-initialised thread-local, never the memory it hands out, and
// allocates nothing itself.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller keeps `GlobalAlloc::alloc`'s contract, which is `System`'s.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: `ptr` came from `System` through this allocator, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Runs `f` and returns what this thread allocated meanwhile.
pub fn counts_in(f: impl FnOnce()) -> Counts {
    start_counting();
    f();
    stop_counting()
}

/// Runs `f` and returns how many allocations this thread made meanwhile.
pub fn allocations_in(f: impl FnOnce()) -> usize {
    counts_in(f).allocations
}

/// Starts counting this thread's allocations from zero (until [`stop_counting`]).
pub fn start_counting() {
    SINK.with(|s| s.set(Sink::Local(Counts::default())));
}

/// Stops counting this thread's allocations and returns what was counted
/// since [`start_counting`] (nothing if it was not called).
pub fn stop_counting() -> Counts {
    match SINK.with(|s| s.replace(Sink::Off)) {
        Sink::Local(c) => c,
        Sink::Off | Sink::Shared(_) => Counts::default(),
    }
}

/// From now on, this thread's allocations are added to `tally`.
pub fn count_this_thread_into(tally: &'static Tally) {
    SINK.with(|s| s.set(Sink::Shared(tally)));
}

/// Every allocation any thread of the process made so far.
pub fn all_threads() -> Counts {
    ALL.counts()
}

/// Checks, in the test binary of each crate that installs [`Counting`], that
/// the counter counts: a zero from it then means something.
pub fn assert_counter_counts() {
    let c = counts_in(|| drop(std::hint::black_box(Vec::<u8>::with_capacity(10))));
    assert_eq!(
        c,
        Counts {
            allocations: 1,
            bytes: 10
        },
        "is `Counting` the #[global_allocator] of this test binary?"
    );
    assert_eq!(allocations_in(|| ()), 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[global_allocator]
    static GLOBAL: Counting = Counting;

    #[test]
    fn counts_this_thread_only() {
        assert_counter_counts();
        let c = counts_in(|| {
            std::thread::spawn(|| drop(std::hint::black_box(vec![0u8; 100])))
                .join()
                .unwrap();
        });
        // Spawning allocates here; the other thread's 100 bytes are not ours.
        assert!(c.allocations > 0);
        let again = counts_in(|| {
            std::thread::spawn(|| ()).join().unwrap();
        });
        assert_eq!(
            c.bytes, again.bytes,
            "the spawned thread's vec is not counted"
        );
    }

    #[test]
    fn a_tally_collects_another_threads_allocations() {
        static TALLY: Tally = Tally::new();
        std::thread::spawn(|| {
            count_this_thread_into(&TALLY);
            drop(std::hint::black_box(vec![0u8; 64]));
        })
        .join()
        .unwrap();
        assert_eq!(
            TALLY.counts(),
            Counts {
                allocations: 1,
                bytes: 64
            }
        );
    }

    #[test]
    fn all_threads_sees_everything() {
        let before = all_threads();
        std::thread::spawn(|| drop(std::hint::black_box(vec![0u8; 32])))
            .join()
            .unwrap();
        let after = all_threads();
        assert!(after.allocations > before.allocations);
        assert!(after.bytes >= before.bytes + 32);
    }

    #[test]
    fn a_reallocation_counts_with_its_new_size() {
        let mut v = Vec::<u8>::with_capacity(8);
        let c = counts_in(|| v.reserve_exact(64));
        assert_eq!(c.allocations, 1);
        assert_eq!(c.bytes, 64);
    }
}
