//! ListSecretVersionIds and UpdateSecretVersionStage.

use crate::listing::Page;
use crate::{RequestContext, Service, ServiceError};
use strongroom_domain::{Secret, SecretRef, Version};

#[derive(Debug, Default)]
pub struct ListVersionsInput {
    pub secret_id: String,
    pub max_results: Option<usize>,
    pub next_token: Option<String>,
    pub include_deprecated: bool,
}

pub struct ListVersionsOutput {
    pub secret: Secret,
    pub versions: Page<Version>,
}

const DEFAULT_PAGE: usize = 100;

impl Service {
    /// ListSecretVersionIds. Its versions' LastAccessedDate shows every
    /// access made before it, as DescribeSecret's does.
    pub async fn list_secret_version_ids(
        &self,
        ctx: &RequestContext,
        input: &ListVersionsInput,
    ) -> Result<ListVersionsOutput, ServiceError> {
        SecretRef::validate(&input.secret_id)?;
        let action = "secretsmanager:ListSecretVersionIds";
        // Read again if accesses to the secret were still noted, or a flush
        // (which may have written some) completed during the read.
        let flushes = self.accesses.flushes();
        let (mut secret, _) = self.read_authorized(ctx, &input.secret_id, action).await?;
        if self.settle_accesses_of(&secret.arn).await? || self.accesses.flushes() != flushes {
            secret = self.read_authorized(ctx, &input.secret_id, action).await?.0;
        }
        // Newest first. Versions without a value (a pending rotation's
        // placeholder) are not listed; label-less ones only on request.
        let versions: Vec<Version> = secret
            .versions
            .iter()
            .rev()
            .filter(|v| v.has_value)
            .filter(|v| input.include_deprecated || !secret.stages_of(&v.id).is_empty())
            .cloned()
            .collect();
        let versions = Page::cut(
            versions,
            input.max_results.unwrap_or(DEFAULT_PAGE),
            input.next_token.as_deref(),
        )?;
        Ok(ListVersionsOutput { secret, versions })
    }

    pub async fn update_secret_version_stage(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        stage: &str,
        remove_from: Option<String>,
        move_to: Option<String>,
    ) -> Result<(String, String), ServiceError> {
        let now = self.now();
        let stage = stage.to_owned();
        let stage_key = stage.clone();
        let keys = move |k: &mut strongroom_policy::Context| {
            k.set("secretsmanager:VersionStage", stage_key)
        };
        let action = "secretsmanager:UpdateSecretVersionStage";
        self.modify(ctx, secret_id, action, keys, move |secret| {
            secret.ensure_not_deleted()?;
            secret.update_version_stage(&stage, remove_from.as_deref(), move_to.as_deref())?;
            secret.trim_deprecated_versions(now);
            secret.last_changed = now.strictly_after(secret.last_changed);
            Ok((secret.arn.clone(), secret.name.clone()))
        })
        .await
    }
}
