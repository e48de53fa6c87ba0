//! TagResource, UntagResource, ListResourceTags.

use super::{key_ref, page_limit, refuse_managed};
use crate::authz::add_request_tags;
use crate::{RequestContext, Service, ServiceError};
use strongroom_domain::Tag;
use strongroom_domain::kms::{KeyOperation, KmsError};
use strongroom_domain::tags::{merge_tags, remove_tags};
use strongroom_policy::Context;

/// One page of ListResourceTags.
#[derive(Debug, Clone)]
pub struct TagPage {
    pub tags: Vec<Tag>,
    pub next_marker: Option<String>,
}

fn tag_error(e: strongroom_domain::Error) -> ServiceError {
    KmsError::Tag(e.to_string()).into()
}

impl Service {
    /// TagResource: adds tags, replacing the values of keys already there.
    pub async fn kms_tag_resource(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        tags: Vec<Tag>,
    ) -> Result<(), ServiceError> {
        let r = key_ref("keyId", key_id)?;
        let (ctx, policies) = (ctx.clone(), self.policies.clone());
        self.kms_write(move |tx| {
            let mut keys = Context::new();
            add_request_tags(&mut keys, &tags);
            let found =
                super::resolve_authorized(tx, &ctx, &policies, &r, "kms:TagResource", &keys)?;
            refuse_managed(&ctx, &found.key, "kms:TagResource")?;
            found.key.check(KeyOperation::Manage)?;
            let mut merged = merge_tags(&found.tags, &tags).map_err(tag_error)?;
            merged.sort_by(|a, b| a.key.cmp(&b.key));
            tx.replace_kms_key_tags(&found.key.id, &merged)?;
            Ok(())
        })
        .await
    }

    /// UntagResource: removes tags by key (absent keys are ignored).
    pub async fn kms_untag_resource(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        tag_keys: Vec<String>,
    ) -> Result<(), ServiceError> {
        let r = key_ref("keyId", key_id)?;
        let (ctx, policies) = (ctx.clone(), self.policies.clone());
        self.kms_write(move |tx| {
            let mut keys = Context::new();
            keys.set_multi("aws:TagKeys", tag_keys.clone());
            let found =
                super::resolve_authorized(tx, &ctx, &policies, &r, "kms:UntagResource", &keys)?;
            refuse_managed(&ctx, &found.key, "kms:UntagResource")?;
            found.key.check(KeyOperation::Manage)?;
            let left = remove_tags(&found.tags, &tag_keys).map_err(tag_error)?;
            tx.replace_kms_key_tags(&found.key.id, &left)?;
            Ok(())
        })
        .await
    }

    /// ListResourceTags, by tag key.
    pub async fn kms_list_resource_tags(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        limit: Option<i64>,
        marker: Option<&str>,
    ) -> Result<TagPage, ServiceError> {
        let r = key_ref("keyId", key_id)?;
        let limit = page_limit(limit)?;
        let (ctx, policies) = (ctx.clone(), self.policies.clone());
        let found = self
            .store
            .read_async(move |tx| {
                super::resolve_authorized(
                    tx,
                    &ctx,
                    &policies,
                    &r,
                    "kms:ListResourceTags",
                    &Context::new(),
                )
            })
            .await?;
        let mut tags: Vec<Tag> = found
            .tags
            .into_iter()
            .filter(|t| marker.is_none_or(|m| t.key.as_str() > m))
            .collect();
        let more = tags.len() > limit;
        tags.truncate(limit);
        Ok(TagPage {
            next_marker: more.then(|| tags.last().map(|t| t.key.clone())).flatten(),
            tags,
        })
    }
}
