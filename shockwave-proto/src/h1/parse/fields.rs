//! Field lines and the empty line that ends a head (RFC 9112 section 5).

use super::{CRLF, Step, fail, field_span, pair_at, skip_ows};
use crate::h1::error::ErrorKind;
use crate::h1::head::FieldSpan;
use crate::simd::Kernel;

/// Parses `*( field-line CRLF ) CRLF` from `pos`; returns how many field
/// lines were recorded in `out` and the offset just past the empty line.
#[inline(always)]
pub(super) fn field_lines<K: Kernel>(
    k: K,
    buf: &[u8],
    mut pos: usize,
    out: &mut [FieldSpan],
) -> Step<(usize, usize)> {
    let mut n = 0;
    loop {
        // Line start: the empty line, or a field name.
        match buf.get(pos) {
            None => return Ok(None),
            Some(b'\r') => {
                return match buf.get(pos + 1) {
                    None => Ok(None),
                    Some(b'\n') => Ok(Some((n, pos + 2))),
                    Some(_) => fail(ErrorKind::BareCr),
                };
            }
            Some(b'\n') => return fail(ErrorKind::BareLf),
            // RFC 9112 section 2.2: whitespace before the first field line must be
            // rejected (or the line ignored); section 5.2: obs-fold is rejected.
            Some(b' ' | b'\t') if n == 0 => return fail(ErrorKind::WhitespaceAfterStartLine),
            Some(b' ' | b'\t') => return fail(ErrorKind::ObsFold),
            Some(_) => {}
        }
        let Some(slot) = out.get_mut(n) else {
            return fail(ErrorKind::TooManyFields);
        };

        // field-name = token, then ":" with no whitespace before it (RFC 9112 section 5.1).
        let name_end = k.token_end(buf, pos);
        match buf.get(name_end) {
            None => return Ok(None),
            Some(b':') if name_end > pos => {}
            Some(b' ' | b'\t') if name_end > pos => {
                return fail(ErrorKind::WhitespaceBeforeColon);
            }
            Some(b'\r' | b'\n') => return fail(ErrorKind::MissingColon),
            Some(_) => return fail(ErrorKind::InvalidFieldName),
        }

        // OWS field-value OWS (RFC 9112 section 5.1): leading whitespace is skipped here,
        // trailing whitespace trimmed below.
        let value_start = skip_ows(buf, name_end + 1);
        let line_end = k.value_end(buf, value_start);
        if pair_at(buf, line_end) != Some(CRLF) {
            // The first byte outside the value class must be the CR of CRLF
            // (RFC 9110 section 5.5: no CTL but HTAB, no DEL).
            match buf.get(line_end) {
                None => return Ok(None),
                Some(b'\r') if line_end + 1 == buf.len() => return Ok(None),
                Some(b'\r') => return fail(ErrorKind::BareCr),
                Some(b'\n') => return fail(ErrorKind::BareLf),
                Some(_) => return fail(ErrorKind::InvalidFieldValue),
            }
        }
        *slot = field_span(buf, pos, name_end, value_start, line_end);
        n += 1;
        pos = line_end + 2;
    }
}
