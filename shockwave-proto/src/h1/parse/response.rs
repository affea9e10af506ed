//! The status line (RFC 9112 section 4).

use super::{Step, crlf, fail, skip_leading_crlf, version};
use crate::h1::error::ErrorKind;
use crate::h1::head::{Span, StatusLine};
use crate::simd::Kernel;

/// Parses `HTTP-version SP status-code SP [ reason-phrase ] CRLF`; a missing
/// reason with or without its SP is accepted (RFC 9112 section 4 lets a client
/// see the SP as optional). Returns the line and the offset past its CRLF.
#[inline(always)]
pub(super) fn status_line<K: Kernel>(k: K, buf: &[u8]) -> Step<(StatusLine, usize)> {
    let Some(start) = skip_leading_crlf(buf)? else {
        return Ok(None);
    };
    let Some(version) = version(buf, start)? else {
        return Ok(None);
    };
    match buf.get(start + 8) {
        None => return Ok(None),
        Some(b' ') => {}
        Some(b'\r' | b'\n') => return fail(ErrorKind::InvalidStatusLine),
        Some(_) => return fail(ErrorKind::InvalidVersion),
    }

    // status-code = 3DIGIT, 100..=999 (RFC 9110 section 15).
    let code_start = start + 9;
    let mut status: u16 = 0;
    for i in 0..3 {
        let Some(&b) = buf.get(code_start + i) else {
            return Ok(None);
        };
        if !b.is_ascii_digit() || (i == 0 && b == b'0') {
            return fail(ErrorKind::InvalidStatusLine);
        }
        status = status * 10 + u16::from(b - b'0');
    }

    let after_code = code_start + 3;
    let (reason_start, reason_end) = match buf.get(after_code) {
        None => return Ok(None),
        Some(b' ') => {
            // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ): the field-value class.
            let end = k.value_end(buf, after_code + 1);
            (after_code + 1, end)
        }
        Some(b'\r' | b'\n') => (after_code, after_code),
        Some(_) => return fail(ErrorKind::InvalidStatusLine),
    };
    if crlf(buf, reason_end, ErrorKind::InvalidStatusLine)?.is_none() {
        return Ok(None);
    }
    let line = StatusLine {
        version,
        status,
        reason: Span::new(reason_start, reason_end),
    };
    Ok(Some((line, reason_end + 2)))
}
