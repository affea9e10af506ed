//! Replays every stored corpus file through its target function on stable, so
//! the normal test run exercises the fuzz targets and keeps what the fuzzer
//! once found fixed. A corpus directory that is missing or empty fails.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `target` over every file in `corpus/<name>/`, reporting all failures.
fn replay(name: &str, target: fn(&[u8])) {
    let dir = fuzz_dir().join("corpus").join(name);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus directory {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "corpus directory {} is empty",
        dir.display()
    );

    let mut failed = Vec::new();
    for file in &files {
        let data = fs::read(file).expect("readable corpus file");
        if catch_unwind(AssertUnwindSafe(|| target(&data))).is_err() {
            failed.push(file.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(
        failed.is_empty(),
        "{name}: {} of {} corpus files failed: {failed:?}\n\
         reproduce with `cargo +nightly fuzz run {name} --features libfuzzer fuzz/corpus/{name}/FILE`",
        failed.len(),
        files.len(),
    );
    println!("{name}: {} corpus files passed", files.len());
}

#[test]
fn request_head_corpus() {
    replay("request_head", shockwave_fuzz::request_head);
}

#[test]
fn response_head_corpus() {
    replay("response_head", shockwave_fuzz::response_head);
}

#[test]
fn chunked_body_corpus() {
    replay("chunked_body", shockwave_fuzz::chunked_body);
}

#[test]
fn server_conn_corpus() {
    replay("server_conn", shockwave_fuzz::server_conn);
}

#[test]
fn h2_frame_corpus() {
    replay("h2_frame", shockwave_fuzz::h2::frame);
}

#[test]
fn h2_server_conn_corpus() {
    replay("h2_server_conn", shockwave_fuzz::h2::server_conn);
}

#[test]
fn h2_client_conn_corpus() {
    replay("h2_client_conn", shockwave_fuzz::h2::client_conn);
}

#[test]
fn hpack_decoder_corpus() {
    replay("hpack_decoder", shockwave_fuzz::hpack::decoder);
}

#[test]
fn ws_frame_corpus() {
    replay("ws_frame", shockwave_fuzz::ws::ws_frame);
}

#[test]
fn ws_inflate_corpus() {
    replay("ws_inflate", shockwave_fuzz::ws::ws_inflate);
}

#[test]
fn ws_conn_corpus() {
    replay("ws_conn", shockwave_fuzz::ws::ws_conn);
}

/// Every cargo-fuzz target has a corpus replayed above, and every corpus a target.
#[test]
fn every_target_has_a_corpus() {
    let names = |dir: &Path, strip: &str| -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|n| n.strip_suffix(strip).map(str::to_owned))
            .collect();
        v.sort();
        v
    };
    let targets = names(&fuzz_dir().join("fuzz_targets"), ".rs");
    let corpora = names(&fuzz_dir().join("corpus"), "");
    assert_eq!(targets, corpora, "fuzz_targets/*.rs and corpus/*/ differ");
    assert_eq!(
        targets,
        [
            "chunked_body",
            "h2_client_conn",
            "h2_frame",
            "h2_server_conn",
            "hpack_decoder",
            "request_head",
            "response_head",
            "server_conn",
            "ws_conn",
            "ws_frame",
            "ws_inflate"
        ],
        "a new target needs its replay test in tests/corpus.rs"
    );
}
