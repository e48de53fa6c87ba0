//! GetKeyPolicy, PutKeyPolicy, ListKeyPolicies: a key has one policy, `default`.

use super::keys::{check_lockout, parse_key_policy};
use super::{key_ref, refuse_managed};
use crate::{RequestContext, Service, ServiceError};
use strongroom_domain::kms::{KEY_POLICY_NAME, KmsError};
use strongroom_policy::Context;

/// The PolicyName member: 1–128 word characters; only `default` exists.
fn check_policy_name(name: Option<&str>) -> Result<(), ServiceError> {
    match name {
        None | Some(KEY_POLICY_NAME) => Ok(()),
        Some(n) if n.is_empty() || n.chars().count() > 128 => Err(KmsError::constraint(
            "policyName",
            Some(n),
            "Member must have length between 1 and 128",
        )
        .into()),
        Some(n) if !n.chars().all(|c| c.is_alphanumeric() || c == '_') => {
            Err(KmsError::constraint(
                "policyName",
                Some(n),
                "Member must satisfy regular expression pattern: [\\w]+",
            )
            .into())
        }
        Some(n) => Err(KmsError::PolicyNotFound(n.to_owned()).into()),
    }
}

impl Service {
    /// GetKeyPolicy.
    pub async fn kms_get_key_policy(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        policy_name: Option<&str>,
    ) -> Result<String, ServiceError> {
        let r = key_ref("keyId", key_id)?;
        check_policy_name(policy_name)?;
        let (ctx, policies) = (ctx.clone(), self.policies.clone());
        self.store
            .read_async(move |tx| {
                let found = super::resolve_authorized(
                    tx,
                    &ctx,
                    &policies,
                    &r,
                    "kms:GetKeyPolicy",
                    &Context::new(),
                )?;
                Ok(found.key.policy)
            })
            .await
    }

    /// PutKeyPolicy: validated with the policy parser, and (unless
    /// BypassPolicyLockoutSafetyCheck) it must let the caller put a policy again.
    pub async fn kms_put_key_policy(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        policy_name: Option<&str>,
        policy: String,
        bypass_policy_lockout_safety_check: bool,
    ) -> Result<(), ServiceError> {
        let r = key_ref("keyId", key_id)?;
        check_policy_name(policy_name)?;
        let parsed = parse_key_policy(&policy)?;
        let (ctx, policies) = (ctx.clone(), self.policies.clone());
        self.kms_write(move |tx| {
            let found = super::resolve_authorized(
                tx,
                &ctx,
                &policies,
                &r,
                "kms:PutKeyPolicy",
                &Context::new(),
            )?;
            refuse_managed(&ctx, &found.key, "kms:PutKeyPolicy")?;
            check_lockout(
                &ctx,
                &found.key,
                &found.tags,
                &parsed,
                bypass_policy_lockout_safety_check,
            )?;
            let mut key = found.key;
            key.policy = policy;
            tx.update_kms_key(&key)?;
            Ok(())
        })
        .await
    }

    /// ListKeyPolicies: `default`, always.
    pub async fn kms_list_key_policies(
        &self,
        ctx: &RequestContext,
        key_id: &str,
    ) -> Result<Vec<String>, ServiceError> {
        let r = key_ref("keyId", key_id)?;
        let (ctx, policies) = (ctx.clone(), self.policies.clone());
        self.store
            .read_async(move |tx| {
                super::resolve_authorized(
                    tx,
                    &ctx,
                    &policies,
                    &r,
                    "kms:ListKeyPolicies",
                    &Context::new(),
                )?;
                Ok(vec![KEY_POLICY_NAME.to_owned()])
            })
            .await
    }
}
