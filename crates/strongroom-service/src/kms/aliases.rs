//! CreateAlias, UpdateAlias, DeleteAlias, ListAliases.
//!
//! An alias operation is authorized twice, as in KMS: on the alias's ARN by
//! the caller's identity policies, and on each key involved by its key policy.

use super::{Found, authorize_on_any, key_ref, marker_after, page_limit, refuse_managed};
use crate::authz::{Access, authorize};
use crate::{RequestContext, Service, ServiceError};
use strongroom_domain::kms::{
    ALIAS_PREFIX, KeyOperation, KeyRef, KmsAlias, KmsError, alias_arn, is_reserved_alias,
    validate_alias_name,
};
use strongroom_policy::Context;
use strongroom_store::ReadTx;

/// One page of ListAliases.
#[derive(Debug, Clone)]
pub struct AliasPage {
    pub aliases: Vec<KmsAlias>,
    pub next_marker: Option<String>,
}

/// `kms:<Action>` on the alias itself, by identity policies.
fn authorize_alias(
    ctx: &RequestContext,
    name: &str,
    action: &'static str,
) -> Result<(), ServiceError> {
    let arn = alias_arn(&ctx.region, ctx.account(), name);
    let mut keys = Context::new();
    keys.set_static("kms:calleraccount", ctx.account());
    authorize(
        ctx,
        Access {
            action,
            resource: &arn,
            resource_account: ctx.account(),
            resource_policy: None,
            shown_as: &arn,
            keys,
        },
    )?;
    ctx.note_resource(&arn);
    Ok(())
}

/// A TargetKeyId: a key id or key ARN of the caller's own account.
fn target_ref(target: &str) -> Result<KeyRef, ServiceError> {
    let r = key_ref("targetKeyId", target)?;
    if r.is_alias() {
        return Err(KmsError::Validation(
            "TargetKeyId must be a key ID or key ARN, not an alias.".to_owned(),
        )
        .into());
    }
    Ok(r)
}

/// The target key of an alias change: found, authorized, in the caller's
/// account, customer managed, not pending deletion.
fn target_key(
    tx: &dyn ReadTx,
    ctx: &RequestContext,
    policies: &crate::authz::PolicyCache,
    r: &KeyRef,
    action: &'static str,
) -> Result<Found, ServiceError> {
    let found = super::resolve_authorized(tx, ctx, policies, r, action, &Context::new())?;
    if found.key.account != ctx.account() {
        return Err(r.not_found(ctx.account(), &ctx.region).into());
    }
    refuse_managed(ctx, &found.key, action)?;
    found.key.check(KeyOperation::Manage)?;
    Ok(found)
}

/// An existing customer alias, for UpdateAlias and DeleteAlias.
fn existing_alias(
    tx: &dyn ReadTx,
    ctx: &RequestContext,
    name: &str,
) -> Result<KmsAlias, ServiceError> {
    tx.kms_alias(ctx.account(), &ctx.region, name)?
        .ok_or_else(|| KmsError::AliasNotFound(alias_arn(&ctx.region, ctx.account(), name)).into())
}

fn refuse_reserved(ctx: &RequestContext, name: &str, action: &str) -> Result<(), ServiceError> {
    if is_reserved_alias(name) {
        return Err(ServiceError::AccessDenied(format!(
            "User: {} is not authorized to perform: {action} on resource: {} because alias names beginning with alias/aws/ are reserved for AWS managed keys",
            ctx.principal.arn,
            alias_arn(&ctx.region, ctx.account(), name)
        )));
    }
    Ok(())
}

impl Service {
    /// CreateAlias.
    pub async fn kms_create_alias(
        &self,
        ctx: &RequestContext,
        alias_name: &str,
        target_key_id: &str,
    ) -> Result<(), ServiceError> {
        validate_alias_name("aliasName", alias_name)?;
        if is_reserved_alias(alias_name) {
            return Err(KmsError::InvalidAliasName(format!(
                "{alias_name} must not begin with alias/aws/: that prefix is reserved for AWS managed keys"
            ))
            .into());
        }
        let r = target_ref(target_key_id)?;
        let (ctx, policies, now) = (ctx.clone(), self.policies.clone(), self.now());
        let name = alias_name.to_owned();
        self.kms_write(move |tx| {
            authorize_alias(&ctx, &name, "kms:CreateAlias")?;
            let found = target_key(tx, &ctx, &policies, &r, "kms:CreateAlias")?;
            let alias = KmsAlias {
                account: ctx.account().to_owned(),
                region: ctx.region.clone(),
                name,
                target_key_id: found.key.id,
                created: now,
                updated: now,
            };
            if !tx.insert_kms_alias(&alias)? {
                return Err(KmsError::AliasExists(alias.arn()).into());
            }
            Ok(())
        })
        .await
    }

    /// UpdateAlias: points an alias at another key of the same type.
    pub async fn kms_update_alias(
        &self,
        ctx: &RequestContext,
        alias_name: &str,
        target_key_id: &str,
    ) -> Result<(), ServiceError> {
        validate_alias_name("aliasName", alias_name)?;
        refuse_reserved(ctx, alias_name, "kms:UpdateAlias")?;
        let r = target_ref(target_key_id)?;
        let (ctx, policies, now) = (ctx.clone(), self.policies.clone(), self.now());
        let name = alias_name.to_owned();
        self
            .kms_write(move |tx| {
                authorize_alias(&ctx, &name, "kms:UpdateAlias")?;
                let mut alias = existing_alias(tx, &ctx, &name)?;
                let old = KeyRef::Id(alias.target_key_id.clone());
                let old = super::resolve_authorized(
                    tx,
                    &ctx,
                    &policies,
                    &old,
                    "kms:UpdateAlias",
                    &Context::new(),
                )?;
                let new = target_key(tx, &ctx, &policies, &r, "kms:UpdateAlias")?;
                if (old.key.spec, old.key.usage) != (new.key.spec, new.key.usage) {
                    return Err(KmsError::Validation(format!(
                        "{} is not the same type of key as the alias's current key: an alias can only point to keys of the same key spec and key usage",
                        new.key.arn
                    ))
                    .into());
                }
                alias.target_key_id = new.key.id;
                alias.updated = now;
                if !tx.update_kms_alias(&alias)? {
                    return Err(KmsError::AliasNotFound(alias.arn()).into());
                }
                Ok(())
            })
            .await
    }

    /// DeleteAlias.
    pub async fn kms_delete_alias(
        &self,
        ctx: &RequestContext,
        alias_name: &str,
    ) -> Result<(), ServiceError> {
        validate_alias_name("aliasName", alias_name)?;
        refuse_reserved(ctx, alias_name, "kms:DeleteAlias")?;
        let (ctx, policies) = (ctx.clone(), self.policies.clone());
        let name = alias_name.to_owned();
        self.kms_write(move |tx| {
            authorize_alias(&ctx, &name, "kms:DeleteAlias")?;
            let alias = existing_alias(tx, &ctx, &name)?;
            super::resolve_authorized(
                tx,
                &ctx,
                &policies,
                &KeyRef::Id(alias.target_key_id.clone()),
                "kms:DeleteAlias",
                &Context::new(),
            )?;
            if !tx.delete_kms_alias(ctx.account(), &ctx.region, &name)? {
                return Err(KmsError::AliasNotFound(alias.arn()).into());
            }
            Ok(())
        })
        .await
    }

    /// ListAliases: the caller's aliases in the region by name, or one key's.
    pub async fn kms_list_aliases(
        &self,
        ctx: &RequestContext,
        key_id: Option<&str>,
        limit: Option<i64>,
        marker: Option<&str>,
    ) -> Result<AliasPage, ServiceError> {
        let limit = page_limit(limit)?;
        let after = marker_after(marker, |m| m.starts_with(ALIAS_PREFIX))?;
        let r = key_id.map(|k| key_ref("keyId", k)).transpose()?;
        authorize_on_any(ctx, "kms:ListAliases", Context::new())?;
        let ctx = ctx.clone();
        let mut aliases = self
            .store
            .read_async(move |tx| -> Result<_, ServiceError> {
                let key_id = match &r {
                    None => None,
                    Some(r) => match super::find(tx, &ctx, r)? {
                        Some(f) if f.key.account == ctx.account() => Some(f.key.id),
                        _ => return Err(r.not_found(ctx.account(), &ctx.region).into()),
                    },
                };
                Ok(tx.kms_aliases_page(
                    ctx.account(),
                    &ctx.region,
                    key_id.as_deref(),
                    after.as_deref(),
                    limit + 1,
                )?)
            })
            .await?;
        let more = aliases.len() > limit;
        aliases.truncate(limit);
        Ok(AliasPage {
            next_marker: more
                .then(|| aliases.last().map(|a| a.name.clone()))
                .flatten(),
            aliases,
        })
    }
}
