//! The static table of RFC 7541 appendix A, and a name lookup for the encoder
//! built at compile time: a 128-slot open-addressing table keyed by a hash of
//! a name's length and first and last octets, so finding a name costs one hash
//! and (usually) one comparison instead of a scan of 61 entries.

/// Entries in the static table; dynamic indices start after it (RFC 7541 §2.3.3).
pub(crate) const LEN: usize = 61;

/// The static table; `ENTRIES[i - 1]` is index `i`.
pub(crate) const ENTRIES: [(&[u8], &[u8]); LEN] = [
    (b":authority", b""),                   // 1
    (b":method", b"GET"),                   // 2
    (b":method", b"POST"),                  // 3
    (b":path", b"/"),                       // 4
    (b":path", b"/index.html"),             // 5
    (b":scheme", b"http"),                  // 6
    (b":scheme", b"https"),                 // 7
    (b":status", b"200"),                   // 8
    (b":status", b"204"),                   // 9
    (b":status", b"206"),                   // 10
    (b":status", b"304"),                   // 11
    (b":status", b"400"),                   // 12
    (b":status", b"404"),                   // 13
    (b":status", b"500"),                   // 14
    (b"accept-charset", b""),               // 15
    (b"accept-encoding", b"gzip, deflate"), // 16
    (b"accept-language", b""),              // 17
    (b"accept-ranges", b""),                // 18
    (b"accept", b""),                       // 19
    (b"access-control-allow-origin", b""),  // 20
    (b"age", b""),                          // 21
    (b"allow", b""),                        // 22
    (b"authorization", b""),                // 23
    (b"cache-control", b""),                // 24
    (b"content-disposition", b""),          // 25
    (b"content-encoding", b""),             // 26
    (b"content-language", b""),             // 27
    (b"content-length", b""),               // 28
    (b"content-location", b""),             // 29
    (b"content-range", b""),                // 30
    (b"content-type", b""),                 // 31
    (b"cookie", b""),                       // 32
    (b"date", b""),                         // 33
    (b"etag", b""),                         // 34
    (b"expect", b""),                       // 35
    (b"expires", b""),                      // 36
    (b"from", b""),                         // 37
    (b"host", b""),                         // 38
    (b"if-match", b""),                     // 39
    (b"if-modified-since", b""),            // 40
    (b"if-none-match", b""),                // 41
    (b"if-range", b""),                     // 42
    (b"if-unmodified-since", b""),          // 43
    (b"last-modified", b""),                // 44
    (b"link", b""),                         // 45
    (b"location", b""),                     // 46
    (b"max-forwards", b""),                 // 47
    (b"proxy-authenticate", b""),           // 48
    (b"proxy-authorization", b""),          // 49
    (b"range", b""),                        // 50
    (b"referer", b""),                      // 51
    (b"refresh", b""),                      // 52
    (b"retry-after", b""),                  // 53
    (b"server", b""),                       // 54
    (b"set-cookie", b""),                   // 55
    (b"strict-transport-security", b""),    // 56
    (b"transfer-encoding", b""),            // 57
    (b"user-agent", b""),                   // 58
    (b"vary", b""),                         // 59
    (b"via", b""),                          // 60
    (b"www-authenticate", b""),             // 61
];

/// The entry at `index` (1 to 61) as its name and value side by side, and
/// the name's length: one copy for the decoder.
#[inline]
pub(crate) fn get_joined(index: usize) -> Option<(&'static [u8], usize)> {
    let &(start, name_len, value_len) = JOINED_AT.get(index.wrapping_sub(1))?;
    let start = usize::from(start);
    let name_len = usize::from(name_len);
    Some((
        &JOINED[start..start + name_len + usize::from(value_len)],
        name_len,
    ))
}

/// Octets of all names and values.
const JOINED_LEN: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < LEN {
        n += ENTRIES[i].0.len() + ENTRIES[i].1.len();
        i += 1;
    }
    n
};

/// Every entry's name then value, entry after entry.
static JOINED: [u8; JOINED_LEN] = {
    let mut out = [0u8; JOINED_LEN];
    let mut at = 0;
    let mut i = 0;
    while i < LEN {
        let (name, value) = ENTRIES[i];
        let mut k = 0;
        while k < name.len() {
            out[at] = name[k];
            at += 1;
            k += 1;
        }
        k = 0;
        while k < value.len() {
            out[at] = value[k];
            at += 1;
            k += 1;
        }
        i += 1;
    }
    out
};

/// Where each entry starts in [`JOINED`], and its name's and value's lengths.
static JOINED_AT: [(u16, u8, u8); LEN] = {
    let mut at = [(0u16, 0u8, 0u8); LEN];
    let mut start = 0;
    let mut i = 0;
    while i < LEN {
        let (name, value) = ENTRIES[i];
        at[i] = (start as u16, name.len() as u8, value.len() as u8);
        start += name.len() + value.len();
        i += 1;
    }
    at
};

/// Slots of [`NAMES`]: a power of two, over twice the 52 distinct names.
const SLOTS: usize = 128;

/// Hash of a name for [`NAMES`]: its length and its first and last octets tell
/// the static names apart almost always.
const fn slot(name: &[u8]) -> usize {
    let (first, last) = match name {
        [] => (0, 0),
        [first, .., last] => (*first as u32, *last as u32),
        [only] => (*only as u32, *only as u32),
    };
    let h = (name.len() as u32).wrapping_mul(0x9e37_79b9)
        ^ ((first << 8) | last).wrapping_mul(0x85eb_ca6b);
    (h >> 25) as usize
}

const fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Name lookup table: the index of the first entry with each distinct name
/// (0 for an empty slot), at its hash slot or the next free one after it.
static NAMES: [u8; SLOTS] = build_names();

/// Number of entries with the same name from each index on (`RUNS[i - 1]`):
/// entries that share a name are adjacent in the table.
static RUNS: [u8; LEN] = build_runs();

/// The longest probe sequence in [`NAMES`], so a miss stops early.
const MAX_PROBE: usize = max_probe();

// The hash spreads the names well: a lookup probes at most a few slots.
const _: () = assert!(MAX_PROBE <= 4);

const fn build_names() -> [u8; SLOTS] {
    let mut table = [0u8; SLOTS];
    let mut i = 0;
    while i < LEN {
        if i == 0 || !eq(ENTRIES[i - 1].0, ENTRIES[i].0) {
            let mut s = slot(ENTRIES[i].0);
            while table[s] != 0 {
                s = (s + 1) % SLOTS;
            }
            table[s] = (i + 1) as u8;
        }
        i += 1;
    }
    table
}

const fn build_runs() -> [u8; LEN] {
    let mut runs = [1u8; LEN];
    let mut i = LEN - 1;
    while i > 0 {
        if eq(ENTRIES[i - 1].0, ENTRIES[i].0) {
            runs[i - 1] = runs[i] + 1;
        }
        i -= 1;
    }
    runs
}

const fn max_probe() -> usize {
    let names = build_names();
    let mut longest = 0;
    let mut s = 0;
    while s < SLOTS {
        if names[s] != 0 {
            let home = slot(ENTRIES[names[s] as usize - 1].0);
            let dist = (s + SLOTS - home) % SLOTS;
            if dist + 1 > longest {
                longest = dist + 1;
            }
        }
        s += 1;
    }
    longest
}

/// What the static table holds for a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    /// The first index with the field's name.
    pub(crate) name: usize,
    /// The index with the field's name and value, if any.
    pub(crate) field: Option<usize>,
}

/// The first static index whose name is `name`.
#[inline]
pub(crate) fn find_name(name: &[u8]) -> Option<usize> {
    let mut s = slot(name);
    for _ in 0..MAX_PROBE {
        let index = usize::from(NAMES[s]);
        if index == 0 {
            return None;
        }
        if ENTRIES[index - 1].0 == name {
            return Some(index);
        }
        s = (s + 1) % SLOTS;
    }
    None
}

/// The static entries matching `name`, and `value` too if one does.
#[inline]
pub(crate) fn find(name: &[u8], value: &[u8]) -> Option<Found> {
    let first = find_name(name)?;
    let run = usize::from(RUNS[first - 1]);
    let field = (first..first + run).find(|&i| ENTRIES[i - 1].1 == value);
    Some(Found { name: first, field })
}

#[cfg(test)]
mod tests {
    use super::{ENTRIES, Found, LEN, find, find_name, get_joined};

    #[test]
    fn lookup_agrees_with_a_scan() {
        for (i, &(name, value)) in ENTRIES.iter().enumerate() {
            let first = ENTRIES.iter().position(|e| e.0 == name).unwrap() + 1;
            assert_eq!(find_name(name), Some(first));
            assert_eq!(
                find(name, value),
                Some(Found {
                    name: first,
                    field: Some(i + 1)
                })
            );
            assert_eq!(
                find(name, b"zz"),
                Some(Found {
                    name: first,
                    field: None
                })
            );
            let (joined, name_len) = get_joined(i + 1).unwrap();
            assert_eq!(joined.split_at(name_len), (name, value));
        }
        assert_eq!(get_joined(0), None);
        assert_eq!(get_joined(LEN + 1), None);
    }

    #[test]
    fn other_names_are_not_found() {
        for name in [
            &b""[..],
            b"x",
            b"accept-",
            b":Method",
            b"cookies",
            b"content-lengtg",
            b":statuz",
            b"host2",
        ] {
            assert_eq!(find_name(name), None, "{name:?}");
        }
        // Every one-octet change of a static name misses.
        for &(name, _) in &ENTRIES {
            for i in 0..name.len() {
                let mut other = name.to_vec();
                other[i] ^= 0x20;
                if ENTRIES.iter().all(|e| e.0 != other) {
                    assert_eq!(find_name(&other), None);
                }
            }
        }
    }
}
