//! AWS CloudTrail (2013-11-01) over JSON 1.1, as much of it as a Secrets
//! Manager user needs: LookupEvents over this server's own audit trail
//! (`X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Op>`).

mod lookup_events;

use crate::ApiError;
use crate::handler::AppState;
use strongroom_service::RequestContext;

/// The `X-Amz-Target` prefix of this service.
pub const TARGET_PREFIX: &str = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";

endpoint_enum!("CloudTrail", LookupEvents);

/// Runs one operation and returns its JSON response body.
pub async fn dispatch(
    endpoint: Endpoint,
    state: &AppState,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    match endpoint {
        Endpoint::LookupEvents => lookup_events::handle(state, ctx, body).await,
    }
}

/// CloudTrail's own failures, with its codes (all HTTP 400).
#[derive(Debug, thiserror::Error)]
pub enum CloudTrailError {
    #[error("{0}")]
    InvalidLookupAttributes(String),
    #[error("Start time must be before or equal to end time.")]
    InvalidTimeRange,
    #[error("Value {0} for MaxResults is invalid: it must be between 1 and 50.")]
    InvalidMaxResults(i64),
    #[error("Invalid NextToken: it was not issued for a lookup with these parameters.")]
    InvalidNextToken,
    #[error("Event category {0} is not valid. Valid value is insight.")]
    InvalidEventCategory(String),
    /// The server runs with `--audit-log off`: there is no trail to read.
    #[error("The audit trail is off on this server (--audit-log off).")]
    TrailOff,
}

impl CloudTrailError {
    pub fn code(&self) -> &'static str {
        match self {
            CloudTrailError::InvalidLookupAttributes(_) => "InvalidLookupAttributesException",
            CloudTrailError::InvalidTimeRange => "InvalidTimeRangeException",
            CloudTrailError::InvalidMaxResults(_) => "InvalidMaxResultsException",
            CloudTrailError::InvalidNextToken => "InvalidNextTokenException",
            CloudTrailError::InvalidEventCategory(_) => "InvalidEventCategoryException",
            CloudTrailError::TrailOff => "OperationNotPermittedException",
        }
    }
}
