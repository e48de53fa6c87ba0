//! Who is calling: SigV4 verification against the server's access keys.

use crate::ApiError;
use std::collections::HashMap;
use strongroom_auth::{AuthError, SigningKeyCache, parse_auth, verify_signature};
use strongroom_service::Caller;
use zeroize::Zeroizing;

/// The service name in credential scopes.
const SERVICE: &str = "secretsmanager";

/// An access key's secret and the account it acts for.
pub struct Credential {
    pub account: String,
    pub secret_access_key: Zeroizing<String>,
}

pub struct Authenticator {
    /// Fixed at start-up (no key management API yet).
    keys: HashMap<String, Credential>,
    signing_keys: SigningKeyCache,
    /// Emulator mode: any access key, no signature or date check. The
    /// request must still name a region in its credential scope.
    dev: bool,
    /// The account dev-mode callers act for.
    dev_account: String,
}

impl Authenticator {
    pub fn new(keys: HashMap<String, Credential>, dev: bool, dev_account: String) -> Authenticator {
        Authenticator {
            keys,
            signing_keys: SigningKeyCache::default(),
            dev,
            dev_account,
        }
    }

    /// Authenticates a buffered request at `now_ms`.
    pub fn authenticate(
        &self,
        parts: &http::request::Parts,
        body: &[u8],
        now_ms: i64,
    ) -> Result<Caller, ApiError> {
        let auth = parse_auth(parts)?;
        if self.dev {
            return Ok(Caller {
                account: self.dev_account.clone(),
                region: auth.region,
            });
        }
        // X-Amz-Target alone picks the operation: unsigned, a captured (or
        // presigned) request could be replayed as another operation.
        if !auth.signed_headers.iter().any(|h| h == "x-amz-target") {
            return Err(
                AuthError::IncompleteSignature("The X-Amz-Target header must be signed.").into(),
            );
        }
        let cred = self
            .keys
            .get(&auth.access_key_id)
            .ok_or(AuthError::UnrecognizedClient)?;
        verify_signature(
            &auth,
            parts,
            body,
            cred.secret_access_key.as_bytes(),
            SERVICE,
            now_ms,
            &self.signing_keys,
        )?;
        Ok(Caller {
            account: cred.account.clone(),
            region: auth.region,
        })
    }
}
