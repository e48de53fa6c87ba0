//! TagResource, UntagResource and GetRandomPassword.

use crate::{Caller, Service, ServiceError, resolve};
use strongroom_domain::password::{PasswordSpec, generate};
use strongroom_domain::tags::{merge_tags, remove_tags};
use strongroom_domain::{SecretRef, Tag};
use strongroom_store::save_secret;

impl Service {
    pub async fn tag_resource(
        &self,
        caller: &Caller,
        secret_id: &str,
        tags: Vec<Tag>,
    ) -> Result<(), ServiceError> {
        SecretRef::parse(secret_id)?;
        let (caller, secret_id) = (caller.clone(), secret_id.to_owned());
        self.write(move |tx| {
            let before = resolve(tx, &caller, &secret_id)?;
            before.ensure_not_deleted()?;
            let mut after = before.clone();
            after.tags = Some(merge_tags(
                before.tags.as_deref().unwrap_or_default(),
                &tags,
            )?);
            save_secret(tx, Some(&before), &after, &[])?;
            Ok(())
        })
        .await
    }

    pub async fn untag_resource(
        &self,
        caller: &Caller,
        secret_id: &str,
        keys: Vec<String>,
    ) -> Result<(), ServiceError> {
        SecretRef::parse(secret_id)?;
        let (caller, secret_id) = (caller.clone(), secret_id.to_owned());
        self.write(move |tx| {
            let before = resolve(tx, &caller, &secret_id)?;
            before.ensure_not_deleted()?;
            let mut after = before.clone();
            after.tags = Some(remove_tags(
                before.tags.as_deref().unwrap_or_default(),
                &keys,
            )?);
            save_secret(tx, Some(&before), &after, &[])?;
            Ok(())
        })
        .await
    }

    pub fn get_random_password(&self, spec: &PasswordSpec) -> Result<String, ServiceError> {
        Ok(generate(spec)?)
    }
}
