//! GetCallerIdentity: who the caller is (account, ARN, user id), from the
//! request's authenticated principal.

use crate::ApiError;
use crate::protocol::query::QueryRequest;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::Iam;
use strongroom_service::RequestContext;

/// Needs no permission, as in AWS: a denial would tell the caller the same
/// facts (its ARN is in every AccessDenied message), so there is nothing
/// to authorize. The operation has no input members.
pub(super) async fn handle(
    _iam: &Iam,
    ctx: &RequestContext,
    _form: &QueryRequest,
    out: &mut XmlWriter,
) -> Result<(), ApiError> {
    let principal = &ctx.principal;
    // In the order AWS writes them.
    out.text("Arn", &principal.arn);
    out.text("UserId", &principal.id);
    out.text("Account", &principal.account);
    Ok(())
}
