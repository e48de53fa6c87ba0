//! TagResource, UntagResource and GetRandomPassword.

use crate::{RequestContext, Service, ServiceError};
use strongroom_domain::Tag;
use strongroom_domain::password::{PasswordSpec, generate};
use strongroom_domain::tags::{merge_tags, remove_tags};

impl Service {
    pub async fn tag_resource(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        tags: Vec<Tag>,
    ) -> Result<(), ServiceError> {
        self.modify(ctx, secret_id, move |secret| {
            secret.ensure_not_deleted()?;
            secret.tags = Some(merge_tags(
                secret.tags.as_deref().unwrap_or_default(),
                &tags,
            )?);
            Ok(())
        })
        .await
    }

    pub async fn untag_resource(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        keys: Vec<String>,
    ) -> Result<(), ServiceError> {
        self.modify(ctx, secret_id, move |secret| {
            secret.ensure_not_deleted()?;
            secret.tags = Some(remove_tags(
                secret.tags.as_deref().unwrap_or_default(),
                &keys,
            )?);
            Ok(())
        })
        .await
    }

    pub fn get_random_password(
        &self,
        _ctx: &RequestContext,
        spec: &PasswordSpec,
    ) -> Result<String, ServiceError> {
        Ok(generate(spec)?)
    }
}
