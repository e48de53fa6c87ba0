//! AWS STS (2011-06-15) over the Query protocol: the endpoint enum (one
//! variant per operation, parsed from the form's `Action`) and one handler
//! module per operation. Each handler reads its members from the form,
//! checks the model's constraints, calls the service (which authorizes and
//! applies) and writes its `{Action}Result` members; [`dispatch`] wraps them
//! in the response envelope.
//!
//! Operations not listed here (AssumeRoleWithWebIdentity, …) are not
//! routed, so clients get `InvalidAction` for them, as for any unknown one.

mod assume_role;
mod convert;
mod get_caller_identity;
mod get_session_token;

use crate::ApiError;
use crate::protocol::query::{self, QueryRequest};
use crate::protocol::xml::XmlWriter;
use crate::route::AwsService;
use strongroom_iam::Iam;
use strongroom_service::RequestContext;

/// The API version of STS's model, the `Version` its clients send.
pub const API_VERSION: &str = "2011-06-15";

/// Generates the endpoint enum, its name table and the dispatch to the
/// handler modules from one list, so the three cannot drift apart.
macro_rules! endpoints {
    ($($variant:ident => $module:ident),+ $(,)?) => {
        endpoint_enum!("STS", $($variant),+);

        /// Runs one operation and returns its XML response body.
        pub async fn dispatch(
            endpoint: Endpoint,
            iam: &Iam,
            ctx: &RequestContext,
            form: &QueryRequest,
        ) -> Result<Vec<u8>, ApiError> {
            let mut result = XmlWriter::new();
            match endpoint {
                $(Endpoint::$variant => $module::handle(iam, ctx, form, &mut result).await?,)+
            }
            Ok(query::response(AwsService::Sts, endpoint.name(), &ctx.request_id, result))
        }
    };
}

endpoints! {
    AssumeRole => assume_role,
    GetCallerIdentity => get_caller_identity,
    GetSessionToken => get_session_token,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(
            Endpoint::from_name("GetCallerIdentity"),
            Some(Endpoint::GetCallerIdentity)
        );
        assert_eq!(Endpoint::GetCallerIdentity.name(), "GetCallerIdentity");
        assert_eq!(Endpoint::from_name("getcalleridentity"), None);
        assert_eq!(
            Endpoint::from_name("AssumeRole"),
            Some(Endpoint::AssumeRole)
        );
        // Not implemented: unknown, so InvalidAction.
        assert_eq!(Endpoint::from_name("AssumeRoleWithWebIdentity"), None);
    }
}
