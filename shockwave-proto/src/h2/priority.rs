//! Extensible priorities (RFC 9218) and the checks on the deprecated RFC 7540
//! priority signals (RFC 9113 section 5.3).
//!
//! A request's priority comes from its `priority` field (a structured-field
//! dictionary, RFC 8941: `u=0..7` urgency, `i` incremental; unknown parameters
//! and out-of-range values ignored) and may be replaced later by a
//! PRIORITY_UPDATE frame. A PRIORITY_UPDATE for a stream that is not open yet
//! is ignored (RFC 9218 section 7 lets a server buffer it; not buffering keeps
//! memory bounded without a further limit). The send scheduler serves lower urgency first;
//! within one urgency, non-incremental streams one after the other in stream
//! order, then incremental streams round-robin, a frame each.
//!
//! RFC 7540 PRIORITY frames and HEADERS priority fields are checked (a stream
//! depending on itself is a stream error, section 5.3.1) and otherwise ignored.

use super::error::{Error, ErrorKind};
use super::frame::PriorityFields;
use super::stream::StreamId;

/// A request's priority (RFC 9218 section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Priority {
    /// 0 (most urgent) to 7; default 3.
    pub urgency: u8,
    /// Whether the response is useful in pieces (served round-robin); default false.
    pub incremental: bool,
}

impl Default for Priority {
    fn default() -> Self {
        Priority {
            urgency: 3,
            incremental: false,
        }
    }
}

impl Priority {
    /// Parses a `priority` field value. A value that is not a valid dictionary
    /// gives the defaults; so do members it does not understand (RFC 9218 section 4).
    pub fn parse(value: &[u8]) -> Priority {
        Priority::default().updated(value)
    }

    /// This priority with the members of `value` applied (for a field that
    /// appears on several lines: each line continues the dictionary).
    pub fn updated(self, value: &[u8]) -> Priority {
        let mut out = self;
        let mut p = Parser { s: value, i: 0 };
        if p.dictionary(&mut out).is_none() {
            return self;
        }
        out
    }
}

/// A cursor over a structured-field dictionary (RFC 8941 section 4.2.2).
struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self, tabs: bool) {
        while matches!(self.peek(), Some(b' ')) || (tabs && self.peek() == Some(b'\t')) {
            self.i += 1;
        }
    }

    fn dictionary(&mut self, out: &mut Priority) -> Option<()> {
        self.skip_ws(false);
        while self.i < self.s.len() {
            let key = self.key()?;
            let value = if self.peek() == Some(b'=') {
                self.i += 1;
                self.item_or_inner_list()?
            } else {
                Value::Bool(true)
            };
            self.parameters()?;
            match (key, value) {
                (b"u", Value::Int(u)) if (0..=7).contains(&u) => out.urgency = u as u8,
                (b"i", Value::Bool(b)) => out.incremental = b,
                _ => {}
            }
            self.skip_ws(true);
            match self.peek() {
                None => return Some(()),
                Some(b',') => {
                    self.i += 1;
                    self.skip_ws(true);
                    self.peek()?; // a trailing comma is invalid
                }
                Some(_) => return None,
            }
        }
        Some(())
    }

    fn key(&mut self) -> Option<&'a [u8]> {
        let start = self.i;
        match self.peek()? {
            b'a'..=b'z' | b'*' => self.i += 1,
            _ => return None,
        }
        while let Some(b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' | b'*') = self.peek() {
            self.i += 1;
        }
        let s: &'a [u8] = self.s;
        Some(&s[start..self.i])
    }

    fn parameters(&mut self) -> Option<()> {
        while self.peek() == Some(b';') {
            self.i += 1;
            self.skip_ws(false);
            self.key()?;
            if self.peek() == Some(b'=') {
                self.i += 1;
                self.bare_item()?;
            }
        }
        Some(())
    }

    fn item_or_inner_list(&mut self) -> Option<Value> {
        if self.peek() != Some(b'(') {
            return self.bare_item();
        }
        self.i += 1;
        loop {
            self.skip_ws(false);
            if self.peek()? == b')' {
                self.i += 1;
                self.parameters()?;
                return Some(Value::Other);
            }
            self.bare_item()?;
            self.parameters()?;
            match self.peek()? {
                b' ' | b')' => {}
                _ => return None,
            }
        }
    }

    fn bare_item(&mut self) -> Option<Value> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => self.number(),
            b'?' => {
                self.i += 1;
                let b = match self.peek()? {
                    b'0' => false,
                    b'1' => true,
                    _ => return None,
                };
                self.i += 1;
                Some(Value::Bool(b))
            }
            b'"' => {
                self.i += 1;
                loop {
                    match self.peek()? {
                        b'\\' => self.i += 2,
                        b'"' => {
                            self.i += 1;
                            return Some(Value::Other);
                        }
                        0x20..=0x7e => self.i += 1,
                        _ => return None,
                    }
                }
            }
            b':' => {
                self.i += 1;
                while let Some(b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'=') =
                    self.peek()
                {
                    self.i += 1;
                }
                (self.peek()? == b':').then(|| {
                    self.i += 1;
                    Value::Other
                })
            }
            b'A'..=b'Z' | b'a'..=b'z' | b'*' => {
                self.i += 1;
                while let Some(c) = self.peek() {
                    if c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:/".contains(&c) {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                Some(Value::Other)
            }
            _ => None,
        }
    }

    fn number(&mut self) -> Option<Value> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        let start = self.i;
        let mut value: i64 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            value = value.checked_mul(10)?.checked_add((c - b'0') as i64)?;
            self.i += 1;
        }
        let digits = self.i - start;
        if digits == 0 || digits > 15 {
            return None;
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            let frac = self.i;
            while let Some(b'0'..=b'9') = self.peek() {
                self.i += 1;
            }
            let n = self.i - frac;
            return ((1..=3).contains(&n) && digits <= 12).then_some(Value::Other);
        }
        Some(Value::Int(if negative { -value } else { value }))
    }
}

/// The value of a dictionary member, as far as priorities care.
enum Value {
    Int(i64),
    Bool(bool),
    Other,
}

/// RFC 9113 section 5.3.1: a stream cannot depend on itself (stream error of
/// type PROTOCOL_ERROR).
pub(crate) fn check_dependency(stream: StreamId, fields: &PriorityFields) -> Result<(), Error> {
    if fields.dependency == stream {
        return Err(Error::stream_error(stream, ErrorKind::SelfDependency));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(urgency: u8, incremental: bool) -> Priority {
        Priority {
            urgency,
            incremental,
        }
    }

    #[test]
    fn examples_of_rfc_9218() {
        assert_eq!(Priority::parse(b"u=5"), p(5, false));
        assert_eq!(Priority::parse(b"u=2, i"), p(2, true));
        assert_eq!(Priority::parse(b"i"), p(3, true));
        assert_eq!(Priority::parse(b"i=?0, u=0"), p(0, false));
        assert_eq!(Priority::parse(b""), p(3, false));
    }

    #[test]
    fn unknown_and_out_of_range_members_are_ignored() {
        assert_eq!(Priority::parse(b"u=9, i"), p(3, true));
        assert_eq!(
            Priority::parse(b"u=1;x=2, foo=\"a,b\", bar=(1 2), i=?1"),
            p(1, true)
        );
        assert_eq!(Priority::parse(b"u=1.5"), p(3, false));
        assert_eq!(Priority::parse(b"i=1"), p(3, false), "i must be a boolean");
        assert_eq!(Priority::parse(b"u=-1"), p(3, false));
    }

    #[test]
    fn invalid_dictionaries_give_the_defaults() {
        assert_eq!(Priority::parse(b"u=1,"), p(3, false));
        assert_eq!(Priority::parse(b"U=1"), p(3, false));
        assert_eq!(Priority::parse(b"u=1 i"), p(3, false));
        assert_eq!(Priority::parse(b"u=\"1"), p(3, false));
        assert_eq!(Priority::parse(b"u=1, i").updated(b"u=4"), p(4, true));
    }

    #[test]
    fn self_dependency() {
        let fields = PriorityFields {
            exclusive: false,
            dependency: StreamId::new(3),
            weight: 0,
        };
        let e = check_dependency(StreamId::new(3), &fields).unwrap_err();
        assert_eq!(e.stream(), Some(StreamId::new(3)));
        assert!(check_dependency(StreamId::new(5), &fields).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(value in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)) {
            let q = Priority::parse(&value);
            proptest::prop_assert!(q.urgency <= 7);
        }
    }
}
