//! Who is calling: SigV4 verification against the server's access keys.

use crate::ApiError;
use crate::route::AwsService;
use std::collections::HashMap;
use std::sync::Arc;
use strongroom_auth::{AuthError, SigningKeyCache, parse_auth, verify_signature};
use strongroom_service::Principal;
use zeroize::Zeroizing;

/// An access key's secret and the principal it signs for.
pub struct Credential {
    pub principal: Arc<Principal>,
    pub secret_access_key: Zeroizing<String>,
}

/// An authenticated request's facts from its signature.
pub struct Authenticated {
    pub principal: Arc<Principal>,
    /// The credential scope's region.
    pub region: String,
}

pub struct Authenticator {
    /// Fixed at start-up (no key management API yet).
    keys: HashMap<String, Credential>,
    signing_keys: SigningKeyCache,
    /// Emulator mode: any access key, no signature or date check. The
    /// request must still name a region in its credential scope.
    dev: bool,
    /// Who dev-mode callers act as.
    dev_principal: Arc<Principal>,
}

impl Authenticator {
    pub fn new(
        keys: HashMap<String, Credential>,
        dev: bool,
        dev_principal: Arc<Principal>,
    ) -> Authenticator {
        Authenticator {
            keys,
            signing_keys: SigningKeyCache::default(),
            dev,
            dev_principal,
        }
    }

    /// Authenticates a buffered request for `service` (the credential
    /// scope's service must be it) at `now_ms`.
    pub fn authenticate(
        &self,
        parts: &http::request::Parts,
        body: &[u8],
        service: AwsService,
        now_ms: i64,
    ) -> Result<Authenticated, ApiError> {
        let auth = parse_auth(parts)?;
        if self.dev {
            return Ok(Authenticated {
                principal: self.dev_principal.clone(),
                region: auth.region,
            });
        }
        // X-Amz-Target alone picks the operation: unsigned, a captured (or
        // presigned) request could be replayed as another operation.
        if parts.headers.contains_key("x-amz-target")
            && !auth.signed_headers.iter().any(|h| h == "x-amz-target")
        {
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
            service.signing_name(),
            now_ms,
            &self.signing_keys,
        )?;
        Ok(Authenticated {
            principal: cred.principal.clone(),
            region: auth.region,
        })
    }
}
