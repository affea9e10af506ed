//! The common request head in one pass: `method SP origin-form SP HTTP/1.x CRLF`,
//! then field lines `name ":" OWS value OWS CRLF`, then CRLF (RFC 9112
//! sections 2 to 5, the shapes nearly every client sends).
//!
//! Every rule the general parser applies to such a head is checked here too,
//! each byte once; what this pass does not handle (a leading empty line, any
//! other target form, another version, an incomplete head, and every error)
//! it declines with `None`, and the general parser reads the head from the
//! start and names the error. So a head this pass accepts is parsed exactly as
//! the general parser parses it, and a head it declines costs one wasted pass.
//! It needs no error kinds and no "more bytes" states, so it runs with less
//! bookkeeping per line.

use super::request::GET_SP;
use super::{CRLF, HTTP10, HTTP11, field_span, pair_at, skip_ows, word_at};
use crate::h1::config::ParseOptions;
use crate::h1::head::{FieldSpan, Method, RequestLine, Span, TargetForm, Version};
use crate::simd::Kernel;

/// A complete request head of the common shape: its request line, how many
/// field lines were recorded in `out`, and the head's length; `None` for any
/// other head (see the [module docs](self)).
#[inline(always)]
pub(super) fn request_head<K: Kernel>(
    k: K,
    buf: &[u8],
    out: &mut [FieldSpan],
    opts: &ParseOptions,
) -> Option<(RequestLine, usize, usize)> {
    // method = token, then one SP (RFC 9112 section 3.1).
    let first4 = buf.first_chunk::<4>().map(|w| u32::from_le_bytes(*w));
    let (method, method_end) = if first4 == Some(GET_SP) {
        (Method::Get, 3)
    } else {
        let end = k.token_end(buf, 0);
        if end == 0 || buf.get(end) != Some(&b' ') {
            return None;
        }
        (Method::from_bytes(&buf[..end]), end)
    };
    // origin-form: "/" and VCHARs up to one SP (RFC 9112 section 3.2.1); CONNECT
    // takes the authority-form only (section 3.2.3).
    let target_start = method_end + 1;
    if buf.get(target_start) != Some(&b'/') || method == Method::Connect {
        return None;
    }
    // No further than the general parser looks: one byte past the longest
    // target (`buf[target_start]` exists, so the subtraction cannot wrap).
    let limit = opts.max_request_target_size;
    let window = if buf.len() - target_start > limit {
        &buf[..target_start + limit + 1]
    } else {
        buf
    };
    let target_end = k.target_end(window, target_start);
    if target_end - target_start > limit || buf.get(target_end) != Some(&b' ') {
        return None;
    }
    // HTTP-version CRLF (RFC 9112 section 2.3).
    let version = match word_at(buf, target_end + 1) {
        Some(HTTP11) => Version::Http11,
        Some(HTTP10) => Version::Http10,
        _ => return None,
    };
    if pair_at(buf, target_end + 9) != Some(CRLF) {
        return None;
    }
    let line = RequestLine {
        method,
        method_span: Span::new(0, method_end),
        target: Span::new(target_start, target_end),
        form: TargetForm::Origin,
        version,
    };

    // *( field-line CRLF ) CRLF (RFC 9112 section 5).
    let mut pos = target_end + 11;
    let mut n = 0;
    loop {
        if pair_at(buf, pos) == Some(CRLF) {
            return Some((line, n, pos + 2));
        }
        // field-name = token, the colon right after it (RFC 9112 section 5.1).
        let name_end = k.token_end(buf, pos);
        if name_end == pos || buf.get(name_end) != Some(&b':') {
            return None;
        }
        let value_start = skip_ows(buf, name_end + 1);
        // The value's bytes (RFC 9110 section 5.5), then CRLF.
        let line_end = k.value_end(buf, value_start);
        if pair_at(buf, line_end) != Some(CRLF) {
            return None;
        }
        *out.get_mut(n)? = field_span(buf, pos, name_end, value_start, line_end);
        n += 1;
        pos = line_end + 2;
    }
}
