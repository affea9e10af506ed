//! TLS for `https`: the trust roots and the rustls client configuration.

use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::error::{Error, ErrorKind};

/// ALPN identifier of HTTP/2 over TLS (RFC 9113 section 3.2).
pub(crate) const ALPN_H2: &[u8] = b"h2";
/// ALPN identifier of HTTP/1.1.
pub(crate) const ALPN_HTTP1: &[u8] = b"http/1.1";

/// The ALPN protocols the client offers, most preferred first: `h2` before
/// `http/1.1` unless one of them is turned off.
pub(crate) fn alpn_protocols(h1: bool, h2: bool) -> Vec<Vec<u8>> {
    let mut list = Vec::with_capacity(2);
    if h2 {
        list.push(ALPN_H2.to_vec());
    }
    if h1 {
        list.push(ALPN_HTTP1.to_vec());
    }
    list
}

/// A trust anchor for `https` servers, added with
/// [`ClientBuilder::add_root_certificate`](super::ClientBuilder::add_root_certificate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    der: CertificateDer<'static>,
}

impl Certificate {
    /// A certificate in DER form.
    pub fn from_der(der: impl Into<Vec<u8>>) -> Self {
        Certificate {
            der: CertificateDer::from(der.into()),
        }
    }

    /// The first certificate of a PEM document.
    pub fn from_pem(pem: &[u8]) -> Result<Self, Error> {
        CertificateDer::from_pem_slice(pem)
            .map(|der| Certificate { der })
            .map_err(|e| Error::with(ErrorKind::Tls, e.to_string()))
    }

    /// Every certificate of a PEM bundle.
    pub fn from_pem_bundle(pem: &[u8]) -> Result<Vec<Self>, Error> {
        CertificateDer::pem_slice_iter(pem)
            .map(|der| {
                der.map(|der| Certificate { der })
                    .map_err(|e| Error::with(ErrorKind::Tls, e.to_string()))
            })
            .collect()
    }

    /// The DER bytes.
    pub fn as_der(&self) -> &[u8] {
        &self.der
    }
}

impl From<CertificateDer<'static>> for Certificate {
    fn from(der: CertificateDer<'static>) -> Self {
        Certificate { der }
    }
}

/// Where the trust roots come from.
#[derive(Clone, Debug)]
pub(crate) struct TlsSettings {
    /// Load the platform's roots (rustls-native-certs).
    pub(crate) built_in_roots: bool,
    /// Roots the user added.
    pub(crate) roots: Vec<Certificate>,
    /// A complete configuration that replaces the two above.
    pub(crate) custom: Option<Arc<ClientConfig>>,
    /// The ALPN protocols offered when the configuration names none.
    pub(crate) alpn: Vec<Vec<u8>>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            built_in_roots: true,
            roots: Vec::new(),
            custom: None,
            alpn: alpn_protocols(true, true),
        }
    }
}

impl TlsSettings {
    /// The rustls configuration: the custom one (given our ALPN list if it has
    /// none), or one verifying against the chosen roots.
    pub(crate) fn build(&self) -> Result<Arc<ClientConfig>, Error> {
        if let Some(custom) = &self.custom {
            if !custom.alpn_protocols.is_empty() {
                return Ok(custom.clone());
            }
            let mut config = ClientConfig::clone(custom);
            config.alpn_protocols = self.alpn.clone();
            return Ok(Arc::new(config));
        }
        let mut store = RootCertStore::empty();
        if self.built_in_roots {
            let native = rustls_native_certs::load_native_certs();
            for e in &native.errors {
                tracing::debug!("platform root certificates: {e}");
            }
            let (added, ignored) = store.add_parsable_certificates(native.certs);
            tracing::debug!("platform root certificates: {added} added, {ignored} ignored");
        }
        for cert in &self.roots {
            store
                .add(cert.der.clone())
                .map_err(|e| Error::with(ErrorKind::Tls, e))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::with(ErrorKind::Tls, e))?
            .with_root_certificates(store)
            .with_no_client_auth();
        config.alpn_protocols = self.alpn.clone();
        Ok(Arc::new(config))
    }
}
