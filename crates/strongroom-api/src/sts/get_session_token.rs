//! GetSessionToken: temporary credentials that act as the calling IAM user
//! itself. Needs no permission (as in AWS); only a user with its long-term
//! key can call it.

use super::convert::{credentials, duration};
use crate::ApiError;
use crate::protocol::query::QueryRequest;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, NewSession, SessionSubject};
use strongroom_service::{PrincipalKind, RequestContext, ServiceError};

/// Default session length when DurationSeconds is absent (12 hours).
const DEFAULT_DURATION: u32 = 43_200;

pub(super) async fn handle(
    iam: &Iam,
    ctx: &RequestContext,
    form: &QueryRequest,
    out: &mut XmlWriter,
) -> Result<(), ApiError> {
    let fields = form.fields();
    let duration = duration(&fields, "DurationSeconds", 900, 129_600)?.unwrap_or(DEFAULT_DURATION);
    let principal = &ctx.principal;
    let user_name = match (principal.kind, &principal.user_name) {
        (PrincipalKind::User, Some(name)) => name.clone(),
        _ => {
            return Err(ServiceError::AccessDenied(
                "Cannot call GetSessionToken with session credentials".to_owned(),
            )
            .into());
        }
    };
    let creds = iam.issue_session(NewSession {
        account: principal.account.clone(),
        subject: SessionSubject::User {
            user_name,
            parent_access_key_id: principal.access_key_id.clone(),
        },
        tags: Vec::new(),
        duration_seconds: duration,
    })?;
    credentials(out, &creds);
    Ok(())
}
