//! The encoder of RFC 7541 §3.2 and §6: header blocks from field lists, with
//! a dynamic table mirroring the one the peer's decoder keeps, and a policy
//! for what goes into it.

use alloc::vec::Vec;

use super::index::{self, Index};
use super::integer;
use super::static_table::{self, Found};
use super::string::{self, HuffmanPolicy};
use super::table::{DynamicTable, ENTRY_OVERHEAD};

/// The HTTP/2 default SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2), and the
/// dynamic table an encoder keeps by default.
pub const DEFAULT_TABLE_SIZE: usize = 4096;

/// Static indices of the names the policy treats specially.
const STATIC_PATH: usize = 4;
const STATIC_COOKIE: usize = 32;

/// What goes into the dynamic table, and how strings are coded.
///
/// The default indexes what repeats from message to message and leaves out:
/// credentials and short cookies, which are sent as never-indexed literals so
/// no intermediary indexes them either (RFC 7541 §7.1.3: a guessable secret in
/// a shared table leaks through compressed sizes); values that differ from
/// message to message (`content-length`, `age`, the conditional-request
/// validators, a `:path` with a query), which would only evict useful
/// entries; and fields too large to be worth evicting others for. `date`,
/// `etag` and `last-modified` are indexed: responses sent within the same
/// second, or for the same resource, repeat them (on the hpack-test-case
/// corpus, not indexing `date` costs 15% in compressed size).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexPolicy {
    /// The largest dynamic table the encoder keeps, whatever the peer allows.
    pub max_table_size: usize,
    /// Names whose fields are always never-indexed literals (lowercase).
    pub never_indexed: Vec<Vec<u8>>,
    /// `cookie` values shorter than this are never-indexed literals.
    pub never_indexed_cookie_len: usize,
    /// Names whose fields are literals without indexing (lowercase): values
    /// that change with every message.
    pub not_indexed: Vec<Vec<u8>>,
    /// Whether a `:path` with a query (`?`) is indexed.
    pub index_path_query: bool,
    /// Fields larger than this (name + value + 32) are not indexed.
    pub max_indexed_size: usize,
    /// When string literals are Huffman coded.
    pub huffman: HuffmanPolicy,
}

impl Default for IndexPolicy {
    fn default() -> Self {
        let names = |list: &[&[u8]]| list.iter().map(|n| n.to_vec()).collect();
        Self {
            max_table_size: DEFAULT_TABLE_SIZE,
            never_indexed: names(&[b"authorization", b"proxy-authorization"]),
            never_indexed_cookie_len: 20,
            not_indexed: names(&[
                b"content-length",
                b"age",
                b"if-modified-since",
                b"if-none-match",
            ]),
            index_path_query: false,
            max_indexed_size: DEFAULT_TABLE_SIZE / 4,
            huffman: HuffmanPolicy::WhenShorter,
        }
    }
}

impl IndexPolicy {
    /// Indexes every field that fits the table and never-indexes nothing (as
    /// the RFC 7541 appendix C examples do); `huffman` as given.
    pub fn index_all(huffman: HuffmanPolicy) -> Self {
        Self {
            max_table_size: DEFAULT_TABLE_SIZE,
            never_indexed: Vec::new(),
            never_indexed_cookie_len: 0,
            not_indexed: Vec::new(),
            index_path_query: true,
            max_indexed_size: usize::MAX,
            huffman,
        }
    }
}

/// How a field is represented.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Index,
    NotIndexed,
    NeverIndexed,
}

/// The policy's name lists, split into bit sets over static indices (one
/// test per field) and the names the static table does not have.
#[derive(Debug)]
struct Compiled {
    never_static: u64,
    not_static: u64,
    never_other: Vec<Vec<u8>>,
    not_other: Vec<Vec<u8>>,
}

impl Compiled {
    fn new(policy: &IndexPolicy) -> Self {
        let split = |names: &[Vec<u8>]| {
            let mut bits = 0u64;
            let mut other = Vec::new();
            for name in names {
                match static_table::find_name(name) {
                    Some(i) => bits |= 1 << i,
                    None => other.push(name.clone()),
                }
            }
            (bits, other)
        };
        let (never_static, never_other) = split(&policy.never_indexed);
        let (not_static, not_other) = split(&policy.not_indexed);
        Self {
            never_static,
            not_static,
            never_other,
            not_other,
        }
    }
}

/// The sending half of HPACK for one connection.
///
/// Per block: [`Encoder::encode`] with the whole field list, or
/// [`Encoder::begin_block`] then [`Encoder::encode_field`] per field. A
/// change of the peer's SETTINGS_HEADER_TABLE_SIZE goes to
/// [`Encoder::set_max_table_size`] when it arrives; the size updates it needs
/// open the next block.
#[derive(Debug)]
pub struct Encoder {
    table: DynamicTable,
    index: Index,
    policy: IndexPolicy,
    compiled: Compiled,
    /// Size updates owed: the smallest maximum since the last block, and
    /// the current one (RFC 7541 §4.2).
    pending: Option<(usize, usize)>,
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Encoder {
    /// An encoder with the default [`IndexPolicy`] and a 4096-octet table.
    pub fn new() -> Self {
        Self::with_policy(IndexPolicy::default())
    }

    /// An encoder with `policy`, for a peer at the HTTP/2 default table size.
    pub fn with_policy(policy: IndexPolicy) -> Self {
        Self::with_peer_table_size(policy, DEFAULT_TABLE_SIZE)
    }

    /// An encoder with `policy` for a peer whose decoder starts with a table
    /// of `peer_max` octets (4096 in HTTP/2; other values in tests and in the
    /// RFC 7541 examples).
    pub fn with_peer_table_size(policy: IndexPolicy, peer_max: usize) -> Self {
        let limit = policy.max_table_size;
        let size = limit.min(peer_max);
        let mut table = DynamicTable::new(limit);
        table.set_max_size(size);
        Self {
            table,
            index: Index::new(limit),
            compiled: Compiled::new(&policy),
            policy,
            // A table smaller than the peer's starting size must be announced.
            pending: (size != peer_max).then_some((size, size)),
        }
    }

    /// The peer's SETTINGS_HEADER_TABLE_SIZE changed: the table becomes the
    /// smaller of it and the policy's maximum, and the next block announces
    /// the change (and any smaller size in between) (RFC 7541 §4.2, §6.3).
    pub fn set_max_table_size(&mut self, peer_max: usize) {
        let size = peer_max.min(self.policy.max_table_size);
        if size == self.table.max_size() && self.pending.is_none() {
            return;
        }
        self.table.set_max_size(size);
        let lowest = self.pending.map_or(size, |(low, _)| low.min(size));
        self.pending = Some((lowest, size));
    }

    /// The dynamic table's size in RFC 7541 §4.1 units.
    pub fn table_size(&self) -> usize {
        self.table.size()
    }

    /// The policy in use.
    pub fn policy(&self) -> &IndexPolicy {
        &self.policy
    }

    /// Appends one whole header block: pending size updates, then every
    /// field. Names are lowercase (the caller checks).
    pub fn encode<'a, I: IntoIterator<Item = (&'a [u8], &'a [u8])>>(
        &mut self,
        fields: I,
        out: &mut Vec<u8>,
    ) {
        self.begin_block(out);
        for (name, value) in fields {
            self.encode_field(name, value, out);
        }
    }

    /// Starts a block: appends the size updates owed, if any.
    pub fn begin_block(&mut self, out: &mut Vec<u8>) {
        if let Some((lowest, last)) = self.pending.take() {
            if lowest < last {
                integer::encode(out, 0x20, 5, lowest);
            }
            integer::encode(out, 0x20, 5, last);
        }
    }

    /// Appends one field, represented as the policy says.
    pub fn encode_field(&mut self, name: &[u8], value: &[u8], out: &mut Vec<u8>) {
        let found = static_table::find(name, value);
        let class = self.classify(found.map(|f| f.name), name, value);
        self.encode_as(name, value, found, class, out);
    }

    /// Appends a field that must never be indexed, here or by any
    /// intermediary (RFC 7541 §7.1.3), whatever the policy says.
    pub fn encode_field_never_indexed(&mut self, name: &[u8], value: &[u8], out: &mut Vec<u8>) {
        let found = static_table::find(name, value);
        self.encode_as(name, value, found, Class::NeverIndexed, out);
    }

    fn classify(&self, static_name: Option<usize>, name: &[u8], value: &[u8]) -> Class {
        let p = &self.policy;
        let c = &self.compiled;
        match static_name {
            Some(i) => {
                let bit = 1u64 << i;
                if c.never_static & bit != 0
                    || (i == STATIC_COOKIE && value.len() < p.never_indexed_cookie_len)
                {
                    return Class::NeverIndexed;
                }
                if c.not_static & bit != 0
                    || (i == STATIC_PATH && !p.index_path_query && value.contains(&b'?'))
                {
                    return Class::NotIndexed;
                }
            }
            None => {
                if c.never_other.iter().any(|n| n == name) {
                    return Class::NeverIndexed;
                }
                if c.not_other.iter().any(|n| n == name) {
                    return Class::NotIndexed;
                }
            }
        }
        Class::Index
    }

    fn encode_as(
        &mut self,
        name: &[u8],
        value: &[u8],
        found: Option<Found>,
        class: Class,
        out: &mut Vec<u8>,
    ) {
        // A never-indexed field is always a literal, so that the flag reaches
        // the next hop; every other field uses a whole-field match if any.
        if class != Class::NeverIndexed
            && let Some(Found { field: Some(i), .. }) = found
        {
            integer::encode(out, 0x80, 7, i);
            return;
        }
        let name_hash = index::hash_name(name);
        let field_hash = index::hash_field(name_hash, value);
        if class != Class::NeverIndexed
            && self.table.len() > 0
            && let Some(pos) = self.index.find_field(&self.table, name, value, field_hash)
        {
            integer::encode(out, 0x80, 7, static_table::LEN + 1 + pos);
            return;
        }
        let name_index = match found {
            Some(f) => f.name,
            None => self
                .index
                .find_name(&self.table, name, name_hash)
                .map_or(0, |pos| static_table::LEN + 1 + pos),
        };
        let size = name.len() + value.len() + ENTRY_OVERHEAD;
        let class = if class == Class::Index
            && (size > self.policy.max_indexed_size || size > self.table.max_size())
        {
            Class::NotIndexed
        } else {
            class
        };
        let (flags, prefix) = match class {
            Class::Index => (0x40, 6),        // §6.2.1
            Class::NotIndexed => (0x00, 4),   // §6.2.2
            Class::NeverIndexed => (0x10, 4), // §6.2.3
        };
        integer::encode(out, flags, prefix, name_index);
        if name_index == 0 {
            string::encode(out, name, self.policy.huffman);
        }
        string::encode(out, value, self.policy.huffman);
        if class == Class::Index {
            let seq = self.table.next_seq();
            if self.table.insert(name, value) {
                self.index.insert(seq, name_hash, field_hash);
            }
        }
    }
}
