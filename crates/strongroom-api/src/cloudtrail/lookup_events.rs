//! LookupEvents: the caller's account's events, newest first, filtered by
//! at most one lookup attribute and a time range, paged.

use super::CloudTrailError;
use crate::ApiError;
use crate::handler::AppState;
use crate::protocol::json::{decode, encode};
use serde::{Deserialize, Serialize};
use strongroom_policy::Context;
use strongroom_service::{Access, RequestContext, authorize};
use strongroom_trail::{LookupAttributeKey, LookupError, LookupQuery};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LookupEventsRequest {
    lookup_attributes: Option<Vec<LookupAttribute>>,
    start_time: Option<f64>,
    end_time: Option<f64>,
    event_category: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LookupAttribute {
    attribute_key: Option<String>,
    attribute_value: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct LookupEventsResponse {
    events: Vec<Event>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Event {
    event_id: String,
    event_name: String,
    read_only: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_key_id: Option<String>,
    event_time: i64,
    event_source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    resources: Vec<Resource>,
    cloud_trail_event: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Resource {
    resource_type: String,
    resource_name: String,
}

/// LookupEvents' default and largest page.
const MAX_RESULTS: i64 = 50;
/// The longest AttributeValue.
const MAX_VALUE_CHARS: usize = 2000;

pub(super) async fn handle(
    state: &AppState,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: LookupEventsRequest = decode(body)?;
    // Insights events: valid to ask for, but this server has none.
    let insights = r.event_category.is_some();
    let query = query(r)?;
    authorize(
        ctx,
        Access {
            action: "cloudtrail:LookupEvents",
            resource: "*",
            resource_account: ctx.account(),
            resource_policy: None,
            shown_as: "*",
            keys: Context::new(),
        },
    )?;
    let trail = state.trail.clone().ok_or(CloudTrailError::TrailOff)?;
    if insights {
        return encode(&LookupEventsResponse {
            events: Vec::new(),
            next_token: None,
        });
    }
    let account = ctx.account().to_owned();
    // The index is SQLite and the events are read from files: off the
    // async workers.
    let page = tokio::task::spawn_blocking(move || trail.lookup(&account, &query))
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(|e| match e {
            LookupError::InvalidNextToken => ApiError::from(CloudTrailError::InvalidNextToken),
            other => {
                tracing::error!(error = %other, "LookupEvents failed");
                ApiError::Internal
            }
        })?;
    encode(&LookupEventsResponse {
        events: page
            .events
            .into_iter()
            .map(|e| Event {
                event_id: e.event_id,
                event_name: e.event_name,
                read_only: e.read_only.to_string(),
                access_key_id: e.access_key_id,
                event_time: e.event_time,
                event_source: e.event_source,
                username: e.username,
                resources: e
                    .resources
                    .into_iter()
                    .map(|(resource_type, resource_name)| Resource {
                        resource_type,
                        resource_name,
                    })
                    .collect(),
                cloud_trail_event: e.cloud_trail_event,
            })
            .collect(),
        next_token: page.next_token,
    })
}

/// The request's constraints, as CloudTrail checks them.
fn query(r: LookupEventsRequest) -> Result<LookupQuery, CloudTrailError> {
    if let Some(category) = r.event_category {
        // Insights events do not exist here, but asking for them is valid.
        if category != "insight" {
            return Err(CloudTrailError::InvalidEventCategory(
                category.chars().take(64).collect(),
            ));
        }
    }
    let max_results = r.max_results.unwrap_or(MAX_RESULTS);
    if !(1..=MAX_RESULTS).contains(&max_results) {
        return Err(CloudTrailError::InvalidMaxResults(max_results));
    }
    let attributes = r.lookup_attributes.unwrap_or_default();
    if attributes.len() > 1 {
        return Err(CloudTrailError::InvalidLookupAttributes(
            "You cannot specify more than one lookup attribute.".to_owned(),
        ));
    }
    let attribute = match attributes.into_iter().next() {
        None => None,
        Some(a) => Some(attribute(a)?),
    };
    let (start_time, end_time) = (r.start_time.map(seconds), r.end_time.map(seconds));
    if let (Some(start), Some(end)) = (start_time, end_time)
        && start > end
    {
        return Err(CloudTrailError::InvalidTimeRange);
    }
    Ok(LookupQuery {
        attribute,
        start_time,
        end_time,
        // Checked to be 1..=50 above.
        max_results: max_results as usize,
        next_token: r.next_token,
    })
}

fn attribute(a: LookupAttribute) -> Result<(LookupAttributeKey, String), CloudTrailError> {
    let invalid = CloudTrailError::InvalidLookupAttributes;
    let key = a
        .attribute_key
        .ok_or_else(|| invalid("AttributeKey is required.".to_owned()))?;
    let value = a
        .attribute_value
        .ok_or_else(|| invalid("AttributeValue is required.".to_owned()))?;
    let key = match key.as_str() {
        "EventId" => LookupAttributeKey::EventId,
        "EventName" => LookupAttributeKey::EventName,
        "ReadOnly" => LookupAttributeKey::ReadOnly,
        "Username" => LookupAttributeKey::Username,
        "ResourceType" => LookupAttributeKey::ResourceType,
        "ResourceName" => LookupAttributeKey::ResourceName,
        "EventSource" => LookupAttributeKey::EventSource,
        "AccessKeyId" => LookupAttributeKey::AccessKeyId,
        other => {
            return Err(invalid(format!(
                "Lookup attribute key {} is not valid.",
                other.chars().take(64).collect::<String>()
            )));
        }
    };
    // '_', ' ', ',' and '\n' count twice towards the limit.
    let weight: usize = value
        .chars()
        .map(|c| {
            if matches!(c, '_' | ' ' | ',' | '\n') {
                2
            } else {
                1
            }
        })
        .sum();
    if value.is_empty() || weight > MAX_VALUE_CHARS {
        return Err(invalid(format!(
            "AttributeValue must be 1 to {MAX_VALUE_CHARS} characters long."
        )));
    }
    if key == LookupAttributeKey::ReadOnly && value != "true" && value != "false" {
        return Err(invalid(
            "The value of the ReadOnly lookup attribute must be true or false.".to_owned(),
        ));
    }
    Ok((key, value))
}

/// An epoch-seconds date (JSON 1.1 sends fractions) to whole seconds.
fn seconds(t: f64) -> i64 {
    if t.is_finite() { t.floor() as i64 } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> Result<LookupQuery, CloudTrailError> {
        query(serde_json::from_str(json).unwrap())
    }

    #[test]
    fn constraints() {
        assert!(matches!(
            request(r#"{"MaxResults": 51}"#),
            Err(CloudTrailError::InvalidMaxResults(51))
        ));
        assert!(matches!(
            request(r#"{"MaxResults": 0}"#),
            Err(CloudTrailError::InvalidMaxResults(0))
        ));
        assert!(matches!(
            request(r#"{"StartTime": 20, "EndTime": 10}"#),
            Err(CloudTrailError::InvalidTimeRange)
        ));
        assert!(matches!(
            request(r#"{"EventCategory": "data"}"#),
            Err(CloudTrailError::InvalidEventCategory(_))
        ));
        assert!(matches!(
            request(r#"{"LookupAttributes": [{"AttributeKey": "Nope", "AttributeValue": "x"}]}"#),
            Err(CloudTrailError::InvalidLookupAttributes(_))
        ));
        assert!(matches!(
            request(
                r#"{"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "a"}, {"AttributeKey": "EventName", "AttributeValue": "b"}]}"#
            ),
            Err(CloudTrailError::InvalidLookupAttributes(_))
        ));
        assert!(matches!(
            request(
                r#"{"LookupAttributes": [{"AttributeKey": "ReadOnly", "AttributeValue": "yes"}]}"#
            ),
            Err(CloudTrailError::InvalidLookupAttributes(_))
        ));
        let ok = request(
            r#"{"LookupAttributes": [{"AttributeKey": "ResourceName", "AttributeValue": "db/prod"}], "StartTime": 10.5, "EndTime": 20}"#,
        )
        .unwrap();
        assert_eq!(ok.max_results, 50);
        assert_eq!(ok.start_time, Some(10));
        assert_eq!(
            ok.attribute,
            Some((LookupAttributeKey::ResourceName, "db/prod".to_owned()))
        );
    }
}
