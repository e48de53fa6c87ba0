//! RotateSecret: configures rotation and starts one (the steps run in the
//! background, after a DryRun invocation of the function).

use super::convert::{secret_id, token};
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::{length, opt_length, opt_range};
use strongroom_domain::Error;
use strongroom_service::{RequestContext, RotateSecretInput, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: RotateSecretRequest = decode(body)?;
    let secret_id = secret_id(r.secret_id)?;
    token(&r.client_request_token)?;
    opt_length(
        "rotationLambdaARN",
        r.rotation_lambda_arn.as_deref(),
        0,
        2048,
    )?;
    opt_length(
        "externalSecretRotationRoleArn",
        r.external_secret_rotation_role_arn.as_deref(),
        20,
        2048,
    )?;
    if let Some(rules) = &r.rotation_rules {
        opt_range(
            "rotationRules.automaticallyAfterDays",
            rules.automatically_after_days,
            1,
            1000,
        )?;
        if let Some(d) = &rules.duration {
            length("rotationRules.duration", d, 2, 3)?;
        }
        if let Some(e) = &rules.schedule_expression {
            length("rotationRules.scheduleExpression", e, 1, 256)?;
        }
    }
    if r.external_secret_rotation_metadata.is_some()
        || r.external_secret_rotation_role_arn.is_some()
    {
        return Err(Error::Unsupported(
            "ExternalSecretRotationMetadata: managed external secrets are not supported by this server.",
        )
        .into());
    }
    let out = service
        .rotate_secret(
            ctx,
            RotateSecretInput {
                secret_id,
                client_request_token: r.client_request_token,
                rotation_lambda_arn: r.rotation_lambda_arn,
                rules: r.rotation_rules.map(|x| {
                    (
                        x.automatically_after_days,
                        x.schedule_expression,
                        x.duration,
                    )
                }),
                rotate_immediately: r.rotate_immediately,
            },
        )
        .await?;
    encode(&ArnNameVersion {
        arn: out.arn,
        name: out.name,
        version_id: out.version_id,
    })
}
