//! The start of the last response head, kept after it was validated: its
//! status line and the application's field lines, as written.
//!
//! A route answers with the same status and fields again and again; checking
//! every name and value byte for header injection (RFC 9110 section 5.5) each
//! time costs more than comparing them with the ones checked last time. A
//! response whose status and fields equal the cached ones (lengths first, then
//! bytes) is written with one copy of the cache; any other is written and
//! checked field by field, and becomes the cache. The comparison never has to
//! trust the new fields: equal lengths and equal bytes mean the same fields.

use alloc::vec::Vec;

use crate::h1::framing::same_bytes;
use crate::h1::write::{AppFields, write_app_field, write_status_line};
use crate::h1::{UsageError, Version};

/// Most bytes cached: a longer head is written and checked every time.
const MAX_BYTES: usize = 512;
/// Most field lines cached.
const MAX_FIELDS: usize = 8;

/// The validated start of the last response head. Holds at most [`MAX_BYTES`]
/// (allocated with the first response, then reused).
#[derive(Debug, Default)]
pub(super) struct HeadCache {
    /// The status of the cached status line; 0 while nothing is cached.
    status: u16,
    /// The status line, then the field lines.
    bytes: Vec<u8>,
    /// Where the field lines start in `bytes`.
    fields_at: usize,
    /// Name and value length of each cached field line.
    lens: [(u16, u16); MAX_FIELDS],
    /// How many field lines are cached.
    count: usize,
    /// What the cached fields mean for the machine.
    app: AppFields,
}

impl HeadCache {
    /// Appends `HTTP/1.1 <status> <reason>\r\n` and the application's field
    /// lines to `out`, refusing invalid fields and the framing fields
    /// (`write_app_fields`). On error `out` may hold part of them.
    #[inline]
    pub(super) fn write<N, V>(
        &mut self,
        out: &mut Vec<u8>,
        status: u16,
        fields: impl IntoIterator<Item = (N, V)>,
    ) -> Result<AppFields, UsageError>
    where
        N: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        let mut fields = fields.into_iter();
        if status != self.status {
            return self.write_checked(out, status, 0, 0, None, fields);
        }
        // The cached lines the new ones begin with.
        let mut matched = 0;
        let mut at = self.fields_at;
        for (name, value) in fields.by_ref() {
            match self.line_len(matched, at, name.as_ref(), value.as_ref()) {
                Some(len) => {
                    matched += 1;
                    at += len;
                }
                None => {
                    let first = Some((name, value));
                    return self.write_checked(out, status, matched, at, first, fields);
                }
            }
        }
        if matched < self.count {
            return self.write_checked(out, status, matched, at, None, fields);
        }
        out.extend_from_slice(&self.bytes);
        Ok(self.app)
    }

    /// [`HeadCache::write`] for fields given as a slice: the count is compared
    /// first, then each field, with no state carried between them.
    #[inline(always)]
    pub(super) fn write_slice(
        &mut self,
        out: &mut Vec<u8>,
        status: u16,
        fields: &[(&[u8], &[u8])],
    ) -> Result<AppFields, UsageError> {
        if status == self.status && fields.len() == self.count {
            // A plain loop: as an iterator adaptor (`all`) the comparison was
            // left out of line in some builds.
            let mut at = self.fields_at;
            let mut equal = true;
            for (i, &(name, value)) in fields.iter().enumerate() {
                match self.line_len(i, at, name, value) {
                    Some(len) => at += len,
                    None => {
                        equal = false;
                        break;
                    }
                }
            }
            if equal {
                out.extend_from_slice(&self.bytes);
                return Ok(self.app);
            }
        }
        self.write(out, status, fields.iter().copied())
    }

    /// The length of cached field line `i` (at `at` in `bytes`) if it is
    /// `name: value`.
    #[inline(always)]
    fn line_len(&self, i: usize, at: usize, name: &[u8], value: &[u8]) -> Option<usize> {
        let &(n, v) = self.lens.get(i).filter(|_| i < self.count)?;
        let (n, v) = (usize::from(n), usize::from(v));
        // Equal lengths first, so that equal bytes are equal fields.
        if (n, v) != (name.len(), value.len()) {
            return None;
        }
        let line = &self.bytes[at..at + n + v + 4];
        (same_bytes(&line[..n], name) && same_bytes(&line[n + 2..n + 2 + v], value))
            .then_some(n + v + 4)
    }

    /// The slow path: the first `matched` cached lines (ending at `at`) are
    /// copied, `first` and the rest of `fields` are checked and written, and
    /// the whole becomes the cache.
    #[cold]
    #[inline(never)]
    fn write_checked<N, V>(
        &mut self,
        out: &mut Vec<u8>,
        status: u16,
        matched: usize,
        at: usize,
        first: Option<(N, V)>,
        fields: impl Iterator<Item = (N, V)>,
    ) -> Result<AppFields, UsageError>
    where
        N: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        let start = out.len();
        let mut app = AppFields::default();
        let fields_at = if matched > 0 || status == self.status {
            out.extend_from_slice(&self.bytes[..at]);
            // What the copied lines mean (they were checked when cached).
            let mut line = self.fields_at;
            for &(n, v) in &self.lens[..matched] {
                let (n, v) = (usize::from(n), usize::from(v));
                let name = &self.bytes[line..line + n];
                let value = &self.bytes[line + n + 2..line + n + 2 + v];
                app.note(name, value)?;
                line += n + v + 4;
            }
            self.fields_at
        } else {
            write_status_line(out, Version::Http11, status, None)?;
            out.len() - start
        };
        let mut lens = self.lens;
        let mut count = matched;
        for (name, value) in first.into_iter().chain(fields) {
            let (name, value) = (name.as_ref(), value.as_ref());
            write_app_field(out, &mut app, name, value)?;
            if let (Some(slot), Ok(n), Ok(v)) = (
                lens.get_mut(count),
                u16::try_from(name.len()),
                u16::try_from(value.len()),
            ) {
                *slot = (n, v);
            }
            count += 1;
        }
        // Checked: cache it, if it fits.
        let head = &out[start..];
        if head.len() <= MAX_BYTES && count <= MAX_FIELDS {
            self.bytes.clear();
            self.bytes.extend_from_slice(head);
            self.status = status;
            self.fields_at = fields_at;
            self.lens = lens;
            self.count = count;
            self.app = app;
        } else {
            self.status = 0;
        }
        Ok(app)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h1::write::write_app_fields;
    use alloc::vec;

    type Field<'a> = (&'a [u8], &'a [u8]);

    /// Writes through the cache and directly; both must agree, output and error.
    /// Both ways in: every other call through `write_slice`.
    fn check(cache: &mut HeadCache, status: u16, fields: &[Field<'_>]) {
        check_as(cache, status, fields, cache.bytes.len().is_multiple_of(2));
    }

    fn check_as(cache: &mut HeadCache, status: u16, fields: &[Field<'_>], slice: bool) {
        let mut direct = vec![b'>'];
        let want = write_status_line(&mut direct, Version::Http11, status, None)
            .and_then(|()| write_app_fields(&mut direct, fields.iter().copied()));
        let mut out = vec![b'>'];
        let got = if slice {
            cache.write_slice(&mut out, status, fields)
        } else {
            cache.write(&mut out, status, fields.iter().copied())
        };
        match (want, got) {
            (Ok(a), Ok(b)) => {
                assert_eq!(out, direct, "{status} {fields:?}");
                assert_eq!((a.close, a.host), (b.close, b.host), "{fields:?}");
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "{fields:?}"),
            (a, b) => panic!("{fields:?}: direct {a:?}, cached {b:?}"),
        }
    }

    #[test]
    fn hits_misses_and_refusals_agree_with_the_direct_writer() {
        let mut cache = HeadCache::default();
        let ct: (&[u8], &[u8]) = (b"content-type", b"text/plain");
        let close: (&[u8], &[u8]) = (b"connection", b"close");
        let cases: &[(u16, &[Field<'_>])] = &[
            (200, &[ct]),
            (200, &[ct]),
            (200, &[]),
            (200, &[ct, close]),
            (200, &[ct, close]),
            (200, &[ct]),
            (404, &[ct]),
            (200, &[ct, (b"host", b"x")]),
            (200, &[ct, (b"x", b"a\r\nset-cookie: evil")]),
            (200, &[ct, (b"content-length", b"1")]),
            (200, &[ct, close]),
            (299, &[]),
            // Same lengths, other bytes: in the name, in the value, bad or not.
            (200, &[(b"ab", b"cd")]),
            (200, &[(b"ab", b"cd")]),
            (200, &[(b"ax", b"cd")]),
            (200, &[(b"ab", b"cx")]),
            (200, &[(b"ab", b"c\n")]),
            (200, &[(b"a:", b"cd")]),
            (200, &[(b"ab", b"cd")]),
            (201, &[(b"ab", b"cd")]),
            // What the lines copied before a difference mean is kept.
            (200, &[close, (b"host", b"x"), (b"ab", b"cd")]),
            (200, &[close, (b"host", b"x"), (b"ab", b"cx")]),
            (200, &[close, (b"host", b"x")]),
        ];
        for (status, fields) in cases {
            check(&mut cache, *status, fields);
        }
    }

    #[test]
    fn an_injection_spread_over_cached_lines_is_refused() {
        // The bytes of `x: a\r\ny: b\r\n` again, but as one field whose value
        // holds a line break: equal bytes, not equal fields.
        let mut cache = HeadCache::default();
        check(&mut cache, 200, &[(b"x", b"a"), (b"y", b"b")]);
        check(&mut cache, 200, &[(b"x", b"a\r\ny: b")]);
        check(&mut cache, 200, &[(b"x: a\r\ny", b"b")]);
        check(&mut cache, 200, &[(b"x", b"a"), (b"y", b"b")]);
    }

    #[test]
    fn large_heads_are_not_cached() {
        let mut cache = HeadCache::default();
        let long = vec![b'v'; MAX_BYTES];
        let many: Vec<(&[u8], &[u8])> = (0..MAX_FIELDS + 1)
            .map(|_| (&b"a"[..], &b"b"[..]))
            .collect();
        for _ in 0..2 {
            check(&mut cache, 200, &[(b"x", &long)]);
            assert_eq!(cache.status, 0);
            check(&mut cache, 200, &many);
            assert_eq!(cache.status, 0);
        }
        check(&mut cache, 200, &many[..MAX_FIELDS]);
        assert_eq!(cache.status, 200);
        check(&mut cache, 200, &many[..MAX_FIELDS]);
    }

    #[test]
    fn equal_heads_are_copied_from_the_cache() {
        let mut cache = HeadCache::default();
        let fields: &[(&[u8], &[u8])] = &[(b"content-type", b"text/plain"), (b"x", b"y")];
        check(&mut cache, 200, fields);
        // Spoil the cached reason phrase (never compared): only a copy of the
        // cache writes it.
        assert!(cache.bytes.starts_with(b"HTTP/1.1 200 OK\r\n"));
        cache.bytes[13] = b'Q';
        let mut out = Vec::new();
        cache.write(&mut out, 200, fields.iter().copied()).unwrap();
        assert!(out.starts_with(b"HTTP/1.1 200 QK\r\n"), "{out:?}");
        let mut out = Vec::new();
        cache.write_slice(&mut out, 200, fields).unwrap();
        assert!(out.starts_with(b"HTTP/1.1 200 QK\r\n"), "{out:?}");
        cache.bytes[13] = b'O';
        // One field less, one more, another status, then the same again.
        let mut more = fields.to_vec();
        more.push((b"z", b"z"));
        for (status, n) in [(200, 1), (200, 2), (200, 3), (200, 2), (201, 2), (200, 2)] {
            check(&mut cache, status, &more[..n]);
        }
    }

    // Few choices, so that a response often repeats one before it with one change.
    const NAMES: &[&[u8]] = &[
        b"ab",
        b"ax",
        b"a:",
        b"host",
        b"connection",
        b"content-length",
    ];
    const VALUES: &[&[u8]] = &[b"", b"cd", b"cx", b" d", b"c\n", b"close", b"c\r\nab: cd"];

    proptest::proptest! {
        /// Any sequence of responses from a small alphabet of statuses, names
        /// and values (valid and not) comes out as the direct writer makes it.
        #[test]
        fn any_sequence_agrees(seq in proptest::collection::vec(
            (
                proptest::prelude::any::<bool>(),
                proptest::sample::select(&[200u16, 404][..]),
                proptest::collection::vec(
                    (
                        proptest::sample::select(NAMES),
                        proptest::sample::select(VALUES),
                    ),
                    0..3,
                ),
            ),
            1..16,
        )) {
            let mut cache = HeadCache::default();
            for (slice, status, fields) in &seq {
                check_as(&mut cache, *status, fields, *slice);
            }
        }
    }
}
