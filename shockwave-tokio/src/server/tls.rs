//! TLS for the server: a rustls configuration with ALPN, from PEM files or a
//! self-signed certificate made on the spot.

use std::fmt;
use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The ALPN protocol ID of HTTP/1.1 (RFC 7301).
pub const ALPN_HTTP11: &[u8] = b"http/1.1";

/// The ALPN protocol ID of HTTP/2 over TLS (RFC 9113 section 3.2).
pub const ALPN_H2: &[u8] = b"h2";

/// The protocols offered in ALPN, most preferred first.
fn alpn_protocols() -> Vec<Vec<u8>> {
    vec![ALPN_H2.to_vec(), ALPN_HTTP11.to_vec()]
}

/// A server's TLS settings: its certificate chain and key, and ALPN.
#[derive(Clone)]
pub struct TlsConfig {
    config: Arc<ServerConfig>,
    certificate_pem: Option<String>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("alpn", &self.config.alpn_protocols)
            .finish_non_exhaustive()
    }
}

fn invalid(what: &str, e: impl fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{what}: {e}"))
}

impl TlsConfig {
    /// A certificate chain and its private key (PKCS#8, PKCS#1 or SEC1), both PEM.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> io::Result<Self> {
        let certs = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid("certificate PEM", e))?;
        if certs.is_empty() {
            return Err(invalid("certificate PEM", "no certificate found"));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| invalid("key PEM", e))?;
        let mut config = Self::from_der(certs, key)?;
        config.certificate_pem = Some(String::from_utf8_lossy(cert_pem).into_owned());
        Ok(config)
    }

    /// [`TlsConfig::from_pem`] with the PEM read from two files.
    pub fn from_pem_files(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> io::Result<Self> {
        let cert = std::fs::read(cert)?;
        let key = std::fs::read(key)?;
        Self::from_pem(&cert, &key)
    }

    /// A certificate chain and its key, DER.
    pub fn from_der(
        certs: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> io::Result<Self> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid("TLS versions", e))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| invalid("certificate and key", e))?;
        config.alpn_protocols = alpn_protocols();
        Ok(TlsConfig {
            config: Arc::new(config),
            certificate_pem: None,
        })
    }

    /// A fresh self-signed certificate for `hostnames` (DNS names or IP
    /// addresses), made with rcgen. Clients trust it through
    /// [`TlsConfig::certificate_pem`].
    pub fn self_signed<I, S>(hostnames: I) -> io::Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let names: Vec<String> = hostnames.into_iter().map(Into::into).collect();
        let certified =
            rcgen::generate_simple_self_signed(names).map_err(|e| invalid("rcgen", e))?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        let mut config = Self::from_der(vec![certified.cert.der().clone()], key)?;
        config.certificate_pem = Some(certified.cert.pem());
        Ok(config)
    }

    /// A rustls configuration of your own, used as is (set its ALPN protocols yourself).
    pub fn from_rustls(config: Arc<ServerConfig>) -> Self {
        TlsConfig {
            config,
            certificate_pem: None,
        }
    }

    /// The certificate (chain) as PEM, when it was given or made as PEM.
    pub fn certificate_pem(&self) -> Option<&str> {
        self.certificate_pem.as_deref()
    }

    /// The rustls configuration.
    pub fn rustls_config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(Arc::clone(&self.config))
    }
}
