//! TLS (rustls, aws-lc-rs): the server certificate from PEM files given by
//! the operator (`--tls-cert`/`--tls-key`) or made once for local use
//! (`--tls-self-signed`), served through a resolver that SIGHUP swaps
//! without touching open connections.
//!
//! The self-signed setup is a private CA and a server certificate it signs,
//! kept in `DATA_DIR/tls/` so that clients' trust survives restarts:
//! `ca.pem` (give it to clients: `AWS_CA_BUNDLE`, boto3's `verify=`),
//! `server.pem` (the chain served) and `server.key` (0600). The CA's key
//! is never stored: the CA signs this one certificate and nothing else, so
//! trusting `ca.pem` trusts exactly this server.
//!
//! Key material is never logged; errors name files, not contents.

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Why the certificate could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or parsed.
    #[error("{path}: {reason}")]
    Pem { path: PathBuf, reason: String },
    /// The key does not fit the certificate, or rustls refused them.
    #[error("{cert} and {key}: {reason}")]
    Pair {
        cert: PathBuf,
        key: PathBuf,
        reason: rustls::Error,
    },
    /// Writing the self-signed files failed.
    #[error("{path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// rcgen could not make the certificate.
    #[error("generating the self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The crypto provider of every TLS object here.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Where the server's certificate chain and key come from; read again on
/// SIGHUP.
#[derive(Debug, Clone)]
pub struct CertFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl CertFiles {
    /// The chain (server certificate first) and key, checked to match.
    pub fn load(&self) -> Result<CertifiedKey, TlsError> {
        let pem_error = |path: &Path| {
            let path = path.to_owned();
            move |e: rustls_pki_types::pem::Error| TlsError::Pem {
                path: path.clone(),
                reason: e.to_string(),
            }
        };
        let chain = CertificateDer::pem_file_iter(&self.cert)
            .map_err(pem_error(&self.cert))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(pem_error(&self.cert))?;
        if chain.is_empty() {
            return Err(TlsError::Pem {
                path: self.cert.clone(),
                reason: "no CERTIFICATE in the file".to_owned(),
            });
        }
        let key = PrivateKeyDer::from_pem_file(&self.key).map_err(|e| TlsError::Pem {
            path: self.key.clone(),
            // The error names what was missing or malformed, never the key.
            reason: e.to_string(),
        })?;
        CertifiedKey::from_der(chain, key, &provider()).map_err(|reason| TlsError::Pair {
            cert: self.cert.clone(),
            key: self.key.clone(),
            reason,
        })
    }
}

/// Serves the current certificate; [`CertResolver::reload`] swaps it.
#[derive(Debug)]
pub struct CertResolver {
    files: CertFiles,
    current: RwLock<Arc<CertifiedKey>>,
}

impl CertResolver {
    pub fn new(files: CertFiles) -> Result<CertResolver, TlsError> {
        let key = files.load()?;
        Ok(CertResolver {
            files,
            current: RwLock::new(Arc::new(key)),
        })
    }

    /// Reads the files again; on any error the old certificate stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let key = Arc::new(self.files.load()?);
        if let Ok(mut current) = self.current.write() {
            *current = key;
        }
        Ok(())
    }

    /// SHA-256 fingerprint of the certificate served now.
    pub fn fingerprint(&self) -> String {
        let current = self.current();
        current
            .cert
            .first()
            .map(|c| fingerprint(c))
            .unwrap_or_default()
    }

    fn current(&self) -> Arc<CertifiedKey> {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// The rustls configuration: HTTP/2 or HTTP/1.1 by ALPN, the certificate
/// from `resolver`.
pub fn server_config(resolver: Arc<CertResolver>) -> Result<rustls::ServerConfig, TlsError> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// `AA:BB:…`, the SHA-256 of a certificate's DER (as `openssl x509
/// -fingerprint -sha256` shows it).
pub fn fingerprint(cert: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, cert);
    digest
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The files of the self-signed setup under `DATA_DIR/tls/`.
pub struct SelfSigned {
    pub files: CertFiles,
    /// The CA certificate for clients.
    pub ca: PathBuf,
    /// Whether they were made just now.
    pub created: bool,
}

/// The subject alternative names of the self-signed certificate: loopback,
/// plus `extra` (the listen address when it is a specific one).
fn subject_alt_names(extra: Option<std::net::IpAddr>) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Some(ip) = extra
        && !ip.is_unspecified()
        && !ip.is_loopback()
    {
        names.push(ip.to_string());
    }
    names
}

/// The self-signed files under `dir` (`DATA_DIR/tls`), made if missing.
pub fn self_signed(dir: &Path, listen: std::net::IpAddr) -> Result<SelfSigned, TlsError> {
    let files = CertFiles {
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    };
    let ca = dir.join("ca.pem");
    if files.cert.is_file() && files.key.is_file() && ca.is_file() {
        return Ok(SelfSigned {
            files,
            ca,
            created: false,
        });
    }
    let made = generate(subject_alt_names(Some(listen)))?;
    create_private_dir(dir)?;
    // The key first and the CA last: a start interrupted in between makes
    // them again.
    write_file(&files.key, made.key.as_bytes(), 0o600)?;
    write_file(&files.cert, made.chain.as_bytes(), 0o644)?;
    write_file(&ca, made.ca.as_bytes(), 0o644)?;
    Ok(SelfSigned {
        files,
        ca,
        created: true,
    })
}

/// A server certificate (PEM chain: server, then CA), its key, and the CA.
struct Generated {
    chain: String,
    key: zeroize::Zeroizing<String>,
    ca: String,
}

fn generate(names: Vec<String>) -> Result<Generated, TlsError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose, date_time_ymd,
    };
    let year = jiff::ZonedDateTime::now().year();
    let validity = |params: &mut CertificateParams| {
        params.not_before = date_time_ymd(i32::from(year) - 1, 1, 1);
        params.not_after = date_time_ymd(i32::from(year) + 10, 1, 1);
    };
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name
        .push(DnType::CommonName, "Strongroom local CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    validity(&mut ca);
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca.self_signed(&ca_key)?;

    let mut server = CertificateParams::new(names)?;
    server
        .distinguished_name
        .push(DnType::CommonName, "strongroom");
    server.is_ca = IsCa::ExplicitNoCa;
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    validity(&mut server);
    let server_key = KeyPair::generate()?;
    let issuer = Issuer::new(ca, ca_key);
    let server_cert = server.signed_by(&server_key, &issuer)?;
    // The CA's key goes out of scope here, never written.
    Ok(Generated {
        chain: format!("{}{}", server_cert.pem(), ca_cert.pem()),
        key: zeroize::Zeroizing::new(server_key.serialize_pem()),
        ca: ca_cert.pem(),
    })
}

fn create_private_dir(dir: &Path) -> Result<(), TlsError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| TlsError::Write {
        path: dir.to_owned(),
        source,
    })
}

/// Writes `contents` to `path` with `mode`, through a temporary file renamed
/// into place (a reader never sees half a file; the key is never readable by
/// others, not even briefly).
fn write_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), TlsError> {
    let error = |source| TlsError::Write {
        path: path.to_owned(),
        source,
    };
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&tmp).map_err(error)?;
    file.write_all(contents).map_err(error)?;
    file.sync_all().map_err(error)?;
    std::fs::rename(&tmp, path).map_err(error)
}

/// Reloads the certificate on every SIGHUP until `shutdown`; a file that
/// does not load leaves the served certificate as it was.
pub async fn reload_on_sighup(
    resolver: Arc<CertResolver>,
    shutdown: tokio_util::sync::CancellationToken,
) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGHUP; the TLS certificate will not be reloaded");
                return;
            }
        };
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                got = hangups.recv() => if got.is_none() { return },
            }
            match resolver.reload() {
                Ok(()) => tracing::info!(
                    fingerprint = %resolver.fingerprint(),
                    "SIGHUP: reloaded the TLS certificate"
                ),
                Err(error) => tracing::error!(
                    %error,
                    "SIGHUP: the TLS certificate could not be reloaded; still serving the previous one"
                ),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = resolver;
        shutdown.cancelled().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn self_signed_in(dir: &Path) -> SelfSigned {
        self_signed(dir, "127.0.0.1".parse().expect("ip")).expect("self-signed")
    }

    #[test]
    fn self_signed_files_are_made_once_and_load() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("tls");
        let first = self_signed_in(&dir);
        assert!(first.created);
        let resolver = CertResolver::new(first.files.clone()).expect("loads");
        let served = resolver.current();
        assert_eq!(served.cert.len(), 2, "server certificate, then the CA");
        let fingerprint = resolver.fingerprint();
        assert_eq!(fingerprint.len(), 32 * 3 - 1);
        // A second start keeps them: clients' trust survives restarts.
        let again = self_signed_in(&dir);
        assert!(!again.created);
        let resolver = CertResolver::new(again.files.clone()).expect("loads");
        assert_eq!(resolver.fingerprint(), fingerprint);
        // The CA file is the chain's second certificate.
        let ca = CertificateDer::from_pem_file(&again.ca).expect("ca.pem");
        assert_eq!(ca.as_ref(), served.cert[1].as_ref());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(&again.files.key), 0o600);
            assert_eq!(mode(&dir), 0o700);
        }
    }

    #[test]
    fn a_bad_reload_keeps_the_certificate() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let made = self_signed_in(&tmp.path().join("tls"));
        let resolver = CertResolver::new(made.files.clone()).expect("loads");
        let before = resolver.fingerprint();
        std::fs::write(&made.files.cert, "not a certificate").expect("write");
        assert!(matches!(resolver.reload(), Err(TlsError::Pem { .. })));
        assert_eq!(resolver.fingerprint(), before);

        // A certificate with another certificate's key is refused too.
        let other = self_signed_in(&tmp.path().join("other"));
        std::fs::copy(&other.files.cert, &made.files.cert).expect("copy");
        assert!(matches!(resolver.reload(), Err(TlsError::Pair { .. })));
        assert_eq!(resolver.fingerprint(), before);

        // A good pair is taken.
        std::fs::copy(&other.files.key, &made.files.key).expect("copy");
        resolver.reload().expect("reload");
        assert_ne!(resolver.fingerprint(), before);
    }

    #[test]
    fn names_cover_loopback_and_a_specific_listen_address() {
        assert_eq!(
            subject_alt_names(Some("0.0.0.0".parse().expect("ip"))),
            ["localhost", "127.0.0.1", "::1"]
        );
        assert_eq!(
            subject_alt_names(Some("10.1.2.3".parse().expect("ip"))),
            ["localhost", "127.0.0.1", "::1", "10.1.2.3"]
        );
    }

    #[test]
    fn fingerprints_look_like_openssl() {
        assert_eq!(
            fingerprint(b""),
            "E3:B0:C4:42:98:FC:1C:14:9A:FB:F4:C8:99:6F:B9:24:27:AE:41:E4:64:9B:93:4C:A4:95:99:1B:78:52:B8:55"
        );
    }
}
