//! The request line (RFC 9112 section 3).

use super::{Step, crlf, fail, skip_leading_crlf, version};
use crate::h1::config::ParseOptions;
use crate::h1::error::ErrorKind;
use crate::h1::head::{Method, RequestLine, Span, TargetForm};
use crate::simd::Kernel;

/// `GET ` as a little-endian word: the most common method, recognised at once.
pub(super) const GET_SP: u32 = u32::from_le_bytes(*b"GET ");

/// Parses `method SP request-target SP HTTP-version CRLF`; returns the line and
/// the offset just past its CRLF.
#[inline(always)]
pub(super) fn request_line<K: Kernel>(
    k: K,
    buf: &[u8],
    opts: &ParseOptions,
) -> Step<(RequestLine, usize)> {
    let Some(start) = skip_leading_crlf(buf)? else {
        return Ok(None);
    };

    // method = token (RFC 9112 section 3.1), then exactly one SP.
    let first4 = buf.get(start..start + 4).map(|b| {
        let mut w = [0u8; 4];
        w.copy_from_slice(b);
        u32::from_le_bytes(w)
    });
    let (method, method_end) = if first4 == Some(GET_SP) {
        (Method::Get, start + 3)
    } else {
        let end = k.token_end(buf, start);
        match buf.get(end) {
            None => return Ok(None),
            Some(b' ') if end > start => {}
            Some(b'\r' | b'\n') if end > start => return fail(ErrorKind::InvalidRequestLine),
            Some(_) => return fail(ErrorKind::InvalidMethod),
        }
        (Method::from_bytes(&buf[start..end]), end)
    };

    // request-target: visible ASCII up to the next SP (RFC 9112 section 3.2).
    let target_start = method_end + 1;
    let limit = opts.max_request_target_size;
    let scan_to = buf
        .len()
        .min(target_start.saturating_add(limit).saturating_add(1));
    let target_end = k.target_end(&buf[..scan_to], target_start);
    if target_end - target_start > limit {
        return fail(ErrorKind::TargetTooLong);
    }
    match buf.get(target_end) {
        None => return Ok(None),
        Some(b' ') => {}
        // No version: an HTTP/0.9 simple request, not supported (RFC 9112 section 2.3).
        Some(b'\r' | b'\n') => return fail(ErrorKind::InvalidRequestLine),
        Some(_) => return fail(ErrorKind::InvalidTarget),
    }
    let form = target_form(method, &buf[target_start..target_end])?;

    let version_start = target_end + 1;
    let Some(version) = version(buf, version_start)? else {
        return Ok(None);
    };
    if crlf(buf, version_start + 8, ErrorKind::InvalidVersion)?.is_none() {
        return Ok(None);
    }
    let line = RequestLine {
        method,
        method_span: Span::new(start, method_end),
        target: Span::new(target_start, target_end),
        form,
        version,
    };
    Ok(Some((line, version_start + 10)))
}

/// Which of the four forms (RFC 9112 section 3.2) `target` has, given the method.
#[inline(always)]
fn target_form(method: Method, target: &[u8]) -> Result<TargetForm, crate::h1::Error> {
    // CONNECT takes the authority-form and only it (RFC 9112 section 3.2.3).
    if method == Method::Connect {
        return if is_authority(target) {
            Ok(TargetForm::Authority)
        } else {
            fail(ErrorKind::InvalidTarget)
        };
    }
    match target.first() {
        Some(b'/') => Ok(TargetForm::Origin),
        // The asterisk-form is only for a server-wide OPTIONS (RFC 9112 section 3.2.4).
        Some(b'*') if target.len() == 1 && method == Method::Options => Ok(TargetForm::Asterisk),
        Some(b) if b.is_ascii_alphabetic() && is_absolute(target) => Ok(TargetForm::Absolute),
        _ => fail(ErrorKind::InvalidTarget),
    }
}

/// `scheme "://" ...` with `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` (RFC 3986 section 3.1).
fn is_absolute(target: &[u8]) -> bool {
    let scheme_len = target
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .unwrap_or(target.len());
    scheme_len > 0
        && target
            .get(scheme_len..scheme_len + 3)
            .is_some_and(|s| s == b"://")
}

/// `uri-host ":" port` (RFC 9112 section 3.2.3): a non-empty host without
/// path, query, fragment or userinfo, and a port of digits.
fn is_authority(target: &[u8]) -> bool {
    let Some(colon) = target.iter().rposition(|&b| b == b':') else {
        return false;
    };
    let (host, port) = (&target[..colon], &target[colon + 1..]);
    !host.is_empty()
        && !port.is_empty()
        && port.iter().all(u8::is_ascii_digit)
        && !host.iter().any(|b| matches!(b, b'/' | b'?' | b'#' | b'@'))
}
