//! TagResource, UntagResource and GetRandomPassword.

use crate::authz::{add_request_tags, authorize_on_any, authorize_on_secret, resolve_authorized};
use crate::{RequestContext, Service, ServiceError};
use strongroom_domain::password::{PasswordSpec, generate};
use strongroom_domain::tags::{merge_tags, remove_tags, validate_tag_keys, validate_tags};
use strongroom_domain::{SecretRef, Tag};
use strongroom_store::save_secret;

/// Which tag change a request makes.
enum TagChange {
    Add(Vec<Tag>),
    Remove(Vec<String>),
}

impl TagChange {
    fn action(&self) -> &'static str {
        match self {
            TagChange::Add(_) => "secretsmanager:TagResource",
            TagChange::Remove(_) => "secretsmanager:UntagResource",
        }
    }

    /// `aws:RequestTag/*` (tags added) and `aws:TagKeys` (keys named).
    fn request_keys(&self, keys: &mut strongroom_policy::Context) {
        match self {
            TagChange::Add(tags) => add_request_tags(keys, tags),
            TagChange::Remove(names) => keys.set_multi("aws:TagKeys", names.clone()),
        }
    }
}

impl Service {
    pub async fn tag_resource(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        tags: Vec<Tag>,
    ) -> Result<(), ServiceError> {
        self.change_tags(ctx, secret_id, TagChange::Add(tags)).await
    }

    pub async fn untag_resource(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        keys: Vec<String>,
    ) -> Result<(), ServiceError> {
        self.change_tags(ctx, secret_id, TagChange::Remove(keys))
            .await
    }

    /// Applies a tag change, refusing one that would lock the caller out:
    /// AWS blocks a Tag/UntagResource whose result would take away the
    /// caller's own permission on the secret (tags can grant access). The
    /// permission checked afterwards is the same tagging action, so a
    /// caller can always undo what it was allowed to do.
    async fn change_tags(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        change: TagChange,
    ) -> Result<(), ServiceError> {
        SecretRef::validate(secret_id)?;
        // The request's own rules, before the writer: only the merge with
        // the stored tags runs there.
        match &change {
            TagChange::Add(tags) => validate_tags(tags)?,
            TagChange::Remove(keys) => validate_tag_keys(keys)?,
        }
        let (ctx, secret_id) = (ctx.clone(), secret_id.to_owned());
        let policies = self.policies.clone();
        self.write(move |tx, changes| {
            let action = change.action();
            let before = resolve_authorized(tx, &ctx, &policies, &secret_id, action, |k| {
                change.request_keys(k)
            })?;
            before.ensure_not_deleted()?;
            let current = before.tags.as_deref().unwrap_or_default();
            let mut after = before.clone();
            after.tags = Some(match &change {
                TagChange::Add(tags) => merge_tags(current, tags)?,
                TagChange::Remove(keys) => remove_tags(current, keys)?,
            });
            authorize_on_secret(&ctx, &policies, &after, &secret_id, action, |k| {
                change.request_keys(k)
            })?;
            save_secret(tx, Some(&before), &after, &[])?;
            changes.secret(&after.arn);
            Ok(())
        })
        .await
    }

    pub fn get_random_password(
        &self,
        ctx: &RequestContext,
        spec: &PasswordSpec,
    ) -> Result<String, ServiceError> {
        authorize_on_any(ctx, "secretsmanager:GetRandomPassword")?;
        Ok(generate(spec)?)
    }
}
