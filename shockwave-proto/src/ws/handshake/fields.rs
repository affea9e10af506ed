//! The grammar of the handshake's field values: comma-separated token lists
//! (`Upgrade`, `Connection`, `Sec-WebSocket-Protocol`; RFC 9110 section
//! 5.6.1) and the extension list of `Sec-WebSocket-Extensions` (RFC 6455
//! section 9.1), read in place without allocating.

use crate::simd::{CLASS, TCHAR};

/// Whether `s` is a non-empty token (RFC 9110 section 5.6.2).
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| CLASS[b as usize] & TCHAR != 0)
}

fn trim(s: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = s.iter().position(|b| !is_ows(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !is_ows(b)).map_or(start, |e| e + 1);
    &s[start..end]
}

/// The non-empty elements of a comma-separated list, trimmed.
pub(crate) fn list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim)
        .filter(|e| !e.is_empty())
}

/// Whether the list `value` has `token` as an element (ASCII case-insensitive).
pub(crate) fn list_has(value: &[u8], token: &[u8]) -> bool {
    list(value).any(|e| e.eq_ignore_ascii_case(token))
}

/// The extension list is not well formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Syntax;

/// A parameter of an extension: `name` or `name=value` (the value unquoted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Param<'a> {
    /// The parameter's name.
    pub name: &'a [u8],
    /// Its value, without quotes.
    pub value: Option<&'a [u8]>,
}

/// One element of an extension list: a name and its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Extension<'a> {
    /// The extension token.
    pub name: &'a [u8],
    /// The text after the name (`; a; b=1`), already checked.
    params: &'a [u8],
}

impl<'a> Extension<'a> {
    /// The parameters, in order.
    pub(crate) fn params(&self) -> impl Iterator<Item = Param<'a>> + use<'a> {
        let mut c = Cursor {
            s: self.params,
            i: 0,
        };
        core::iter::from_fn(move || c.param().ok().flatten())
    }
}

/// A position in a field value.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    fn token(&mut self) -> Result<&'a [u8], Syntax> {
        let start = self.i;
        while self.peek().is_some_and(|b| CLASS[b as usize] & TCHAR != 0) {
            self.i += 1;
        }
        if self.i == start {
            return Err(Syntax);
        }
        Ok(&self.s[start..self.i])
    }

    /// A quoted-string whose content is a token (RFC 6455 section 9.1: after
    /// unescaping it MUST be a token, so an escape is never needed and is refused).
    fn quoted_token(&mut self) -> Result<&'a [u8], Syntax> {
        self.i += 1;
        let inner = self.token()?;
        if self.peek() != Some(b'"') {
            return Err(Syntax);
        }
        self.i += 1;
        Ok(inner)
    }

    /// The next `; name[=value]`, or `None` at the end of the element (a
    /// comma, left unread, or the end of the value).
    fn param(&mut self) -> Result<Option<Param<'a>>, Syntax> {
        self.ows();
        match self.peek() {
            None | Some(b',') => return Ok(None),
            Some(b';') => self.i += 1,
            Some(_) => return Err(Syntax),
        }
        self.ows();
        let name = self.token()?;
        self.ows();
        if self.peek() != Some(b'=') {
            return Ok(Some(Param { name, value: None }));
        }
        self.i += 1;
        self.ows();
        let value = if self.peek() == Some(b'"') {
            self.quoted_token()?
        } else {
            self.token()?
        };
        Ok(Some(Param {
            name,
            value: Some(value),
        }))
    }
}

/// The extensions of one `Sec-WebSocket-Extensions` value, in order. An
/// element that breaks the grammar yields `Err` and ends the list.
pub(crate) fn extensions(value: &[u8]) -> impl Iterator<Item = Result<Extension<'_>, Syntax>> {
    let mut c = Cursor { s: value, i: 0 };
    let mut failed = false;
    core::iter::from_fn(move || {
        if failed {
            return None;
        }
        loop {
            c.ows();
            match c.peek() {
                None => return None,
                // Empty list elements are allowed (RFC 9110 section 5.6.1).
                Some(b',') => c.i += 1,
                Some(_) => break,
            }
        }
        let element = (|| {
            let name = c.token()?;
            let start = c.i;
            while c.param()?.is_some() {}
            let params = &c.s[start..c.i];
            if c.peek() == Some(b',') {
                c.i += 1;
            }
            Ok(Extension { name, params })
        })();
        failed = element.is_err();
        Some(element)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn token_lists() {
        assert!(list_has(b"keep-alive, Upgrade", b"upgrade"));
        assert!(list_has(b" websocket ", b"websocket"));
        assert!(!list_has(b"websocketx", b"websocket"));
        assert_eq!(list(b"a,, b ,").collect::<Vec<_>>(), [&b"a"[..], b"b"]);
    }

    #[test]
    fn extension_lists() {
        let v = b"permessage-deflate; client_max_window_bits, permessage-deflate;server_max_window_bits=\"10\" ; x=y,foo";
        let exts: Vec<Extension<'_>> = extensions(v).map(Result::unwrap).collect();
        assert_eq!(exts.len(), 3);
        assert_eq!(exts[0].name, b"permessage-deflate");
        assert_eq!(
            exts[0].params().collect::<Vec<_>>(),
            [Param {
                name: b"client_max_window_bits",
                value: None
            }]
        );
        assert_eq!(
            exts[1].params().collect::<Vec<_>>(),
            [
                Param {
                    name: b"server_max_window_bits",
                    value: Some(b"10")
                },
                Param {
                    name: b"x",
                    value: Some(b"y")
                }
            ]
        );
        assert_eq!(exts[2].name, b"foo");
        assert_eq!(exts[2].params().count(), 0);
    }

    #[test]
    fn malformed_extension_lists() {
        for bad in [
            &b"permessage-deflate;"[..],
            b"permessage-deflate; a=",
            b"permessage-deflate; a=\"1",
            b"permessage-deflate; a=\"a\\b\"",
            b"permessage-deflate x",
            b";a",
            b"a=b",
        ] {
            assert!(
                extensions(bad).any(|e| e.is_err()),
                "{:?}",
                core::str::from_utf8(bad)
            );
        }
        assert_eq!(extensions(b" , ,").count(), 0);
    }
}
