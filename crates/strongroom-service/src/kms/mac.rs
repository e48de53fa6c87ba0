//! GenerateMac and VerifyMac with HMAC keys: the key never leaves the server, so a MAC
//! is only ever checked here.

use super::key_ref;
use super::lookup::KeyCheck;
use super::parsed::{ParsedKey, refusal};
use crate::{RequestContext, Service, ServiceError};
use strongroom_domain::kms::{KeyUsage, KmsError, MacAlgorithmSpec};
use strongroom_policy::Context;
use zeroize::Zeroizing;

/// GenerateMac's and VerifyMac's members (`mac` only for VerifyMac).
pub struct MacInput {
    pub key_id: String,
    pub message: Zeroizing<Vec<u8>>,
    pub algorithm: MacAlgorithmSpec,
    pub mac: Vec<u8>,
    pub dry_run: bool,
}

pub struct MacOutput {
    pub key_arn: String,
    /// The MAC (GenerateMac); empty for VerifyMac.
    pub mac: Vec<u8>,
}

impl Service {
    /// GenerateMac (`verify` false) or VerifyMac (`verify` true: KMSInvalidMacException
    /// when the MAC does not match).
    pub async fn kms_mac(
        &self,
        ctx: &RequestContext,
        input: MacInput,
        verify: bool,
    ) -> Result<MacOutput, ServiceError> {
        let r = key_ref("keyId", &input.key_id)?;
        let (action, operation) = if verify {
            ("kms:VerifyMac", "VerifyMac")
        } else {
            ("kms:GenerateMac", "GenerateMac")
        };
        let algorithm = input.algorithm;
        let mut keys = Context::new();
        keys.set_static("kms:macalgorithm", algorithm.as_str());
        let check: KeyCheck = Box::new(move |key| {
            algorithm
                .check_for(key.spec)
                .map_err(|e| refusal(key, operation, e))
        });
        let usable = self
            .usable_key(
                ctx,
                r,
                action,
                operation,
                Some(KeyUsage::GenerateVerifyMac),
                keys,
                check,
            )
            .await?;
        if input.dry_run {
            return Err(KmsError::DryRun.into());
        }
        let parsed = self.parsed_key(&usable)?;
        let ParsedKey::Mac(key) = &*parsed else {
            return Err(ServiceError::KeyMaterial);
        };
        let key_arn = usable.found.key.arn.clone();
        let fail = |e| refusal(&usable.found.key, operation, e);
        let mac = if verify {
            key.verify_mac(algorithm, &input.message, &input.mac)
                .map_err(fail)?;
            Vec::new()
        } else {
            key.generate_mac(algorithm, &input.message).map_err(fail)?
        };
        Ok(MacOutput { key_arn, mac })
    }
}
