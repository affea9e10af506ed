//! Interop with Python's `hpack` package (`pip install hpack`), through
//! `tests/peers/hpack_decode.py`: Python decodes our encoder's blocks for
//! every corpus story (with and without table size changes) and checks the
//! lists; our decoder decodes Python's encoder's blocks. Skipped with a note
//! when python3 or the package is missing, unless SHOCKWAVE_REQUIRE_PEERS is set.

mod hpack_support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use hpack_support::{Story, corpus_or_skip, hex, raw_stories, stories};
use shockwave_proto::hpack::{Decoder, Encoder, HeaderList};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/hpack_decode.py")
}

/// Whether `python3 -c "import hpack"` works; else fails under
/// SHOCKWAVE_REQUIRE_PEERS, or notes the skip.
fn python_hpack_or_skip() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import hpack"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("SHOCKWAVE_REQUIRE_PEERS").is_none(),
            "Python's hpack is required (SHOCKWAVE_REQUIRE_PEERS); pip install hpack"
        );
        eprintln!("skipped: python3 with the hpack package not found (pip install hpack)");
    }
    ok
}

fn hex_of(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Our blocks for every story in the script's line format, with the table
/// sizes of `sizes`' stories acknowledged before the same cases.
fn our_blocks(raw: &[Story], sizes: Option<&[Story]>) -> String {
    let mut text = String::new();
    let mut block = Vec::new();
    for (s, story) in raw.iter().enumerate() {
        writeln!(text, "story {}", story.name).unwrap();
        let mut encoder = Encoder::new();
        for (i, case) in story.cases.iter().enumerate() {
            if let Some(size) = sizes.and_then(|st| st.get(s)?.cases.get(i)?.header_table_size) {
                encoder.set_max_table_size(size);
                writeln!(text, "size {size}").unwrap();
            }
            block.clear();
            encoder.encode(
                case.headers.iter().map(|(n, v)| (&n[..], &v[..])),
                &mut block,
            );
            writeln!(text, "block {}", hex_of(&block)).unwrap();
            for (n, v) in &case.headers {
                writeln!(text, "field {} {}", hex_of(n), hex_of(v)).unwrap();
            }
        }
    }
    text
}

fn run_script(args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg(script())
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "hpack_decode.py {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn python_decodes_our_blocks() {
    let Some(corpus) = corpus_or_skip() else {
        return;
    };
    if !python_hpack_or_skip() {
        return;
    }
    let raw = raw_stories(&corpus, "nghttp2");
    let changes = stories(&corpus, "nghttp2-change-table-size");
    let dir = std::env::temp_dir().join(format!("shockwave-hpack-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in [
        ("plain", our_blocks(&raw, None)),
        ("resized", our_blocks(&raw[..changes.len()], Some(&changes))),
    ] {
        let path = dir.join(format!("{name}.txt"));
        std::fs::write(&path, text).unwrap();
        let report = run_script(&["decode", path.to_str().unwrap()]);
        print!("{name}: {report}");
        assert!(report.starts_with("python hpack decoded "));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A block from Python (hex) and the fields it must decode to.
type Expected = (String, Vec<(Vec<u8>, Vec<u8>)>);

#[test]
fn we_decode_pythons_blocks() {
    let Some(corpus) = corpus_or_skip() else {
        return;
    };
    if !python_hpack_or_skip() {
        return;
    }
    let dir = corpus.join("raw-data");
    let output = run_script(&["encode", dir.to_str().unwrap()]);
    let mut decoder = Decoder::new(4096);
    let mut list = HeaderList::new(usize::MAX);
    let mut pending: Option<Expected> = None;
    let mut blocks = 0;
    let mut check = |pending: Option<Expected>, decoder: &mut Decoder| {
        if let Some((wire, fields)) = pending {
            decoder
                .decode(&hex(&wire), &mut list)
                .unwrap_or_else(|e| panic!("block {blocks}: {e}"));
            let got: Vec<_> = list
                .iter()
                .map(|f| (f.name.to_vec(), f.value.to_vec()))
                .collect();
            assert_eq!(got, fields, "block {blocks}");
            blocks += 1;
        }
    };
    for line in output.lines() {
        let words: Vec<&str> = line.split(' ').collect();
        match words[0] {
            "story" => {
                check(pending.take(), &mut decoder);
                decoder = Decoder::new(4096);
            }
            "block" => {
                check(pending.take(), &mut decoder);
                pending = Some((words.get(1).unwrap_or(&"").to_string(), Vec::new()));
            }
            "field" => {
                let field = (
                    hex(words.get(1).unwrap_or(&"")),
                    hex(words.get(2).unwrap_or(&"")),
                );
                pending.as_mut().expect("field after block").1.push(field);
            }
            other => panic!("unexpected line {other:?}"),
        }
    }
    check(pending.take(), &mut decoder);
    println!("decoded {blocks} blocks from Python's encoder");
    assert!(blocks >= 3000, "{blocks}");
}
