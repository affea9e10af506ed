//! The hpack-test-case corpus (`../shared/corpora/hpack-test-case` from the
//! repository root) for the HPACK integration tests: a small JSON reader and
//! the stories as plain data.
//!
//! A story is a sequence of header blocks sharing one compression context.
//! Each implementation's directory holds its encoder's `wire` for the stories
//! of `raw-data`, which hold only the headers.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

/// One header block of a story.
#[derive(Clone, Debug)]
pub struct Case {
    /// SETTINGS_HEADER_TABLE_SIZE acknowledged just before this block.
    pub header_table_size: Option<usize>,
    /// The encoded block (absent in `raw-data`).
    pub wire: Option<Vec<u8>>,
    /// The header list, in order.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
}

/// A story file.
#[derive(Clone, Debug)]
pub struct Story {
    /// `dir/story_NN.json`, for messages.
    pub name: String,
    /// Its blocks, in order.
    pub cases: Vec<Case>,
}

/// The corpus directory.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/hpack-test-case")
}

/// The corpus directory if it exists. When it does not, the test fails
/// under `SHOCKWAVE_REQUIRE_PEERS` and is skipped with a note otherwise.
pub fn corpus_or_skip() -> Option<PathBuf> {
    let dir = corpus_dir();
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("SHOCKWAVE_REQUIRE_PEERS").is_none(),
        "the HPACK corpus is required (SHOCKWAVE_REQUIRE_PEERS) at {}",
        dir.display()
    );
    eprintln!("skipped: no HPACK corpus at {}", dir.display());
    None
}

/// The implementation directories (every directory but `raw-data`), sorted.
pub fn implementations(corpus: &Path) -> Vec<String> {
    let mut dirs: Vec<String> = fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "raw-data")
        .collect();
    dirs.sort();
    dirs
}

/// Every story of `corpus/dir`, sorted by file name.
pub fn stories(corpus: &Path, dir: &str) -> Vec<Story> {
    let mut files: Vec<PathBuf> = fs::read_dir(corpus.join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("story_") && n.ends_with(".json")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no stories in {dir}");
    files
        .iter()
        .map(|p| {
            let name = format!("{dir}/{}", p.file_name().unwrap().to_string_lossy());
            let text = fs::read_to_string(p).unwrap();
            let json = Json::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            Story {
                cases: cases(&json).unwrap_or_else(|| panic!("{name}: unexpected shape")),
                name,
            }
        })
        .collect()
}

/// The stories to encode: `raw-data` if present, else the headers of `fallback`.
pub fn raw_stories(corpus: &Path, fallback: &str) -> Vec<Story> {
    if corpus.join("raw-data").is_dir() {
        stories(corpus, "raw-data")
    } else {
        stories(corpus, fallback)
    }
}

fn cases(json: &Json) -> Option<Vec<Case>> {
    json.get("cases")?
        .array()?
        .iter()
        .map(|c| {
            let headers = c
                .get("headers")?
                .array()?
                .iter()
                .map(|h| match h {
                    Json::Object(kv) if kv.len() == 1 => Some((
                        kv[0].0.as_bytes().to_vec(),
                        kv[0].1.string()?.as_bytes().to_vec(),
                    )),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Case {
                header_table_size: c
                    .get("header_table_size")
                    .and_then(Json::number)
                    .map(|n| n as usize),
                wire: c.get("wire").and_then(Json::string).map(hex),
                headers,
            })
        })
        .collect()
}

/// Octets from a hex string.
pub fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Name and value octets of a header list (the ratio's denominator).
pub fn plain_len(headers: &[(Vec<u8>, Vec<u8>)]) -> usize {
    headers.iter().map(|(n, v)| n.len() + v.len()).sum()
}

/// A JSON value, as much of JSON as the corpus uses (all of it, small).
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Parses a whole document.
    pub fn parse(text: &str) -> Result<Json, String> {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
        };
        let v = p.value()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!("trailing data at {}", p.i));
        }
        Ok(v)
    }

    /// A member of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(kv) => kv.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    fn string(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Json::Number(n) => Some(*n),
            _ => None,
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Result<(), String> {
        self.ws();
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected {:?} at {}", b as char, self.i))
        }
    }

    fn literal(&mut self, word: &str, v: Json) -> Result<Json, String> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(format!("bad literal at {}", self.i))
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut kv = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Object(kv));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.eat(b':')?;
                    kv.push((k, self.value()?));
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Object(kv));
                        }
                        _ => return Err(format!("bad object at {}", self.i)),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Array(a));
                }
                loop {
                    a.push(self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Array(a));
                        }
                        _ => return Err(format!("bad array at {}", self.i)),
                    }
                }
            }
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(_) => {
                let start = self.i;
                while self.i < self.s.len() && b"+-0123456789.eE".contains(&self.s[self.i]) {
                    self.i += 1;
                }
                std::str::from_utf8(&self.s[start..self.i])
                    .unwrap()
                    .parse()
                    .map(Json::Number)
                    .map_err(|e| format!("bad number at {start}: {e}"))
            }
            None => Err("unexpected end".into()),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        if self.s.get(self.i) != Some(&b'"') {
            return Err(format!("expected string at {}", self.i));
        }
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while self.i < self.s.len() && self.s[self.i] != b'"' && self.s[self.i] != b'\\' {
                self.i += 1;
            }
            out.push_str(std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?);
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let esc = *self.s.get(self.i + 1).ok_or("unterminated escape")?;
                    self.i += 2;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xd800..0xdc00).contains(&cp)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                self.i += 2;
                                let low = self.hex4()?;
                                cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                            }
                            out.push(char::from_u32(cp).ok_or("bad code point")?);
                        }
                        _ => return Err(format!("bad escape at {}", self.i)),
                    }
                }
                _ => return Err("unterminated string".into()),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.s.get(self.i..self.i + 4).ok_or("short \\u escape")?;
        self.i += 4;
        u32::from_str_radix(std::str::from_utf8(digits).unwrap(), 16).map_err(|e| e.to_string())
    }
}
