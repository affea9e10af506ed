//! h2c by HTTP/1.1 `Upgrade` (RFC 7540 section 3.2): the request that asks
//! for it becomes stream 1 of the HTTP/2 connection, answered there.
//!
//! RFC 9113 section 3.1 deprecates the mechanism, but curl still uses it for
//! `--http2` over `http://`, so the server keeps answering it.

use shockwave_proto::h1;

/// The 101's fields.
pub(crate) const SWITCHING: &[(&[u8], &[u8])] =
    &[(b"connection", b"upgrade"), (b"upgrade", b"h2c")];

/// The `HTTP2-Settings` value of a request that may switch to h2c: HTTP/1.1,
/// `h2c` among its `Upgrade` protocols, `HTTP2-Settings` named in
/// `Connection` (RFC 7540 section 3.2.1), exactly one `HTTP2-Settings`
/// field, and no body (a body would have to be read whole before switching;
/// such a request is simply answered over HTTP/1.1, as the RFC allows).
pub(crate) fn h2c_settings<'a>(req: &h1::Request<'a>) -> Option<&'a [u8]> {
    if !req.is_upgrade() || req.version() != h1::Version::Http11 || req.has_body() {
        return None;
    }
    let fields = req.fields();
    if !fields.get_all("upgrade").any(|v| has_token(v, b"h2c"))
        || !fields
            .get_all("connection")
            .any(|v| has_token(v, b"http2-settings"))
    {
        return None;
    }
    let mut settings = fields.get_all("http2-settings");
    let value = settings.next()?;
    settings.next().is_none().then_some(value)
}

/// Whether a comma-separated list holds `token` (ASCII case-insensitive).
fn has_token(list: &[u8], token: &[u8]) -> bool {
    list.split(|&b| b == b',')
        .any(|item| item.trim_ascii().eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
    use super::has_token;

    #[test]
    fn tokens() {
        assert!(has_token(b"Upgrade, HTTP2-Settings", b"http2-settings"));
        assert!(has_token(b"h2c", b"h2c"));
        assert!(!has_token(b"h2c-x, websocket", b"h2c"));
        assert!(!has_token(b"", b"h2c"));
    }
}
