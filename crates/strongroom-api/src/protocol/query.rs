//! The AWS Query protocol, as IAM (2010-05-08) and STS (2011-06-15) speak
//! it.
//!
//! A request is `POST /` with `Content-Type: application/x-www-form-urlencoded`
//! and a form body: `Action=GetCallerIdentity&Version=2011-06-15&Member=…`.
//! Lists of structures are `Tags.member.1.Key=…&Tags.member.1.Value=…`,
//! lists of strings `Names.member.1=…`, maps `Attrs.entry.1.key=…&Attrs.entry.1.value=…`
//! (indexes from 1). [`QueryRequest`] decodes the form once; [`Fields`] reads
//! one structure's members out of it, with the models' `ValidationError`
//! for a missing required member.
//!
//! An answer is XML:
//! `<{Action}Response xmlns="…"><{Action}Result>…</{Action}Result><ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></{Action}Response>`,
//! an error `<ErrorResponse xmlns="…"><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>`,
//! both `text/xml`, with the codes and HTTP statuses of the Query services
//! (which differ from the JSON services' for the same failure: an unknown
//! key is `InvalidClientTokenId`, HTTP 403, not `UnrecognizedClientException`, 400).

use super::xml::XmlWriter;
use crate::route::AwsService;
use crate::{ApiError, validate};
use http::StatusCode;
use std::collections::BTreeMap;
use std::ops::Bound;
use strongroom_auth::AuthError;
use strongroom_domain::{self as domain, ErrorKind};
use strongroom_service::ServiceError;

/// `Content-Type` of every Query answer.
pub const CONTENT_TYPE: &str = "text/xml";

/// Whether a `Content-Type` value is a form (`application/x-www-form-urlencoded`,
/// with or without parameters such as `charset=utf-8`).
pub fn is_form(content_type: &str) -> bool {
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

/// A decoded Query request body.
#[derive(Debug, Default)]
pub struct QueryRequest {
    /// Every parameter, by its full name (`Tags.member.1.Key`). Sorted, so
    /// the members of one list are found by a range scan.
    params: BTreeMap<String, String>,
}

impl QueryRequest {
    /// Decodes a form body (`+` is a space, `%XX` a byte). Byte sequences
    /// that are not UTF-8 decode to U+FFFD, as in every form decoder.
    ///
    /// A parameter given twice is refused: which of the two a client (or a
    /// proxy in between) meant cannot be known.
    pub fn parse(body: &[u8]) -> Result<QueryRequest, ApiError> {
        let mut params = BTreeMap::new();
        for (name, value) in form_urlencoded::parse(body) {
            let name = name.into_owned();
            if params.contains_key(&name) {
                return Err(ApiError::DuplicateParameter(
                    name.chars().take(128).collect(),
                ));
            }
            params.insert(name, value.into_owned());
        }
        Ok(QueryRequest { params })
    }

    /// The operation's name; an empty `Action` is none.
    pub fn action(&self) -> Option<&str> {
        self.params
            .get("Action")
            .map(String::as_str)
            .filter(|a| !a.is_empty())
    }

    /// The API version the client speaks (`Version`).
    pub fn version(&self) -> Option<&str> {
        self.params.get("Version").map(String::as_str)
    }

    /// Every parameter, by full name, in name order (for the audit record).
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The operation's input members.
    pub fn fields(&self) -> Fields<'_> {
        Fields {
            params: &self.params,
            prefix: String::new(),
            path: String::new(),
        }
    }
}

/// The members of one structure in a Query request: the operation's input,
/// or one item of a list of structures.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    params: &'a BTreeMap<String, String>,
    /// The wire prefix of this structure's members, e.g. `Tags.member.2.`.
    prefix: String,
    /// AWS's path to this structure in validation messages, e.g. `tags.2.member.`.
    path: String,
}

impl<'a> Fields<'a> {
    /// A member's value, if the request has it.
    pub fn optional(&self, name: &str) -> Option<&'a str> {
        self.params
            .get(&format!("{}{name}", self.prefix))
            .map(String::as_str)
    }

    /// A required member's value, or the models' `ValidationError`
    /// (`Value null at 'roleArn' failed to satisfy constraint: Member must not be null`).
    pub fn required(&self, name: &str) -> Result<&'a str, ApiError> {
        Ok(validate::required(&self.path(name), self.optional(name))?)
    }

    /// A member's path as AWS's validation messages write it: the member
    /// names with a lower-case first letter, list items as `tags.1.member.key`.
    /// For the checks in [`crate::validate`].
    pub fn path(&self, name: &str) -> String {
        format!("{}{}", self.path, lower_first(name))
    }

    /// A list of structures (`Name.member.N.Field`), in index order.
    pub fn structures(&self, name: &str) -> Vec<Fields<'a>> {
        self.items(name, "member", false)
            .into_iter()
            .map(|(index, _)| self.item(name, "member", index))
            .collect()
    }

    /// A list of strings (`Name.member.N`), in index order.
    pub fn strings(&self, name: &str) -> Vec<&'a str> {
        self.items(name, "member", true)
            .into_iter()
            .map(|(_, value)| value)
            .collect()
    }

    /// A map of strings (`Name.entry.N.key`, `Name.entry.N.value`), in index
    /// order; every entry needs both.
    pub fn map(&self, name: &str) -> Result<Vec<(&'a str, &'a str)>, ApiError> {
        self.items(name, "entry", false)
            .into_iter()
            .map(|(index, _)| {
                let entry = self.item(name, "entry", index);
                Ok((entry.required("key")?, entry.required("value")?))
            })
            .collect()
    }

    /// The structure at `index` of list `name`.
    fn item(&self, name: &str, marker: &str, index: u32) -> Fields<'a> {
        Fields {
            params: self.params,
            prefix: format!("{}{name}.{marker}.{index}.", self.prefix),
            path: format!("{}{}.{index}.{marker}.", self.path, lower_first(name)),
        }
    }

    /// The distinct indexes of list `name` (with the value of a scalar
    /// item), in numeric order. Only canonical indexes count (`1`, not
    /// `01`); anything else is an unknown parameter and, as such, ignored.
    fn items(&self, name: &str, marker: &str, scalar: bool) -> Vec<(u32, &'a str)> {
        let head = format!("{}{name}.{marker}.", self.prefix);
        let mut found = BTreeMap::new();
        let after_head = self
            .params
            .range::<str, _>((Bound::Included(head.as_str()), Bound::Unbounded));
        for (key, value) in after_head {
            let Some(rest) = key.strip_prefix(head.as_str()) else {
                break; // sorted: past the last key with this prefix
            };
            let (index, is_scalar) = match rest.split_once('.') {
                Some((index, _field)) => (index, false),
                None => (rest, true),
            };
            if is_scalar != scalar {
                continue;
            }
            if let Some(n) = canonical_index(index) {
                found.entry(n).or_insert(value.as_str());
            }
        }
        found.into_iter().collect()
    }
}

/// `1`, `2`, … without sign or leading zeros.
fn canonical_index(text: &str) -> Option<u32> {
    if text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|n| *n >= 1)
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A date as the Query services write it: ISO 8601, UTC, whole seconds
/// (`2026-12-01T15:33:22Z`).
pub fn iso_date(t: strongroom_domain::Timestamp) -> String {
    jiff::Timestamp::from_millisecond(t.millis())
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// The namespace of an answer from `service`, when it is known. Before it
/// is (a request without a signature names no service) STS's is used.
fn namespace(service: Option<AwsService>) -> &'static str {
    service
        .and_then(AwsService::xml_namespace)
        .or(AwsService::Sts.xml_namespace())
        .unwrap_or_default()
}

/// A successful answer: `result` holds the `{Action}Result` members. An
/// operation without output has no Result element, as AWS sends it.
pub fn response(service: AwsService, action: &str, request_id: &str, result: XmlWriter) -> Vec<u8> {
    wrapped_response(service, action, request_id, result, false)
}

/// As [`response`], but with the `{Action}Result` element even when the
/// result is empty: for an operation whose model output is a structure
/// without members (IAM's UpdateRole), which SDKs look for.
pub fn response_with_empty_result(
    service: AwsService,
    action: &str,
    request_id: &str,
    result: XmlWriter,
) -> Vec<u8> {
    wrapped_response(service, action, request_id, result, true)
}

fn wrapped_response(
    service: AwsService,
    action: &str,
    request_id: &str,
    result: XmlWriter,
    always_wrap: bool,
) -> Vec<u8> {
    let mut w = XmlWriter::new();
    w.root(
        &format!("{action}Response"),
        namespace(Some(service)),
        |w| {
            if always_wrap || !result.is_empty() {
                w.element(&format!("{action}Result"), |w| w.append(result));
            }
            w.element("ResponseMetadata", |w| w.text("RequestId", request_id));
        },
    );
    w.into_bytes()
}

/// The error answer for `err`, from `service` if it is known.
pub fn error_body(err: &ApiError, service: Option<AwsService>, request_id: &str) -> Vec<u8> {
    let (code, status) = error_code(err);
    let mut w = XmlWriter::new();
    w.root("ErrorResponse", namespace(service), |w| {
        w.element("Error", |w| {
            // Who is to blame: the caller for 4xx, the service for 5xx.
            let kind = if status.is_server_error() {
                "Receiver"
            } else {
                "Sender"
            };
            w.text("Type", kind);
            w.text("Code", code);
            w.text("Message", &error_message(err));
        });
        w.text("RequestId", request_id);
    });
    w.into_bytes()
}

/// The Query services' code and HTTP status for `err`.
pub fn error_code(err: &ApiError) -> (&'static str, StatusCode) {
    const BAD_REQUEST: StatusCode = StatusCode::BAD_REQUEST;
    const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
    const INTERNAL: StatusCode = StatusCode::INTERNAL_SERVER_ERROR;
    match err {
        ApiError::Auth(e) => match e {
            AuthError::MissingAuthenticationToken => ("MissingAuthenticationToken", FORBIDDEN),
            AuthError::IncompleteSignature(_) => ("IncompleteSignature", BAD_REQUEST),
            AuthError::UnrecognizedClient => ("InvalidClientTokenId", FORBIDDEN),
            AuthError::ExpiredToken => ("ExpiredToken", FORBIDDEN),
            // STS and IAM answer a stale or early date with
            // SignatureDoesNotMatch too ("Signature expired: …").
            AuthError::SignatureMismatch
            | AuthError::WrongService(_)
            | AuthError::UnexpectedService(_)
            | AuthError::InvalidRegion
            | AuthError::Expired { .. }
            | AuthError::NotYetCurrent { .. }
            | AuthError::PresignExpired(_) => ("SignatureDoesNotMatch", FORBIDDEN),
        },
        ApiError::Service(e) => match e {
            // A model constraint is ValidationError in IAM and STS (Secrets
            // Manager files it under InvalidParameterException).
            ServiceError::Domain(
                domain::Error::Constraint { .. } | domain::Error::NotInEnum { .. },
            ) => ("ValidationError", BAD_REQUEST),
            // IAM's modeled errors where it has them (NoSuchEntity 404,
            // EntityAlreadyExists 409, LimitExceeded 409, InvalidInput 400).
            ServiceError::Domain(d) => match d.kind() {
                ErrorKind::Validation => ("ValidationError", BAD_REQUEST),
                ErrorKind::ResourceNotFound => ("NoSuchEntity", StatusCode::NOT_FOUND),
                ErrorKind::ResourceExists => ("EntityAlreadyExists", StatusCode::CONFLICT),
                ErrorKind::LimitExceeded => ("LimitExceeded", StatusCode::CONFLICT),
                ErrorKind::MalformedPolicyDocument => ("MalformedPolicyDocument", BAD_REQUEST),
                ErrorKind::InvalidParameter
                | ErrorKind::InvalidRequest
                | ErrorKind::InvalidNextToken
                | ErrorKind::PublicPolicy => ("InvalidInput", BAD_REQUEST),
            },
            ServiceError::AccessDenied(_) => ("AccessDenied", FORBIDDEN),
            // KMS never speaks Query; its errors only reach here by a bug.
            ServiceError::Kms(_) => ("InvalidInput", BAD_REQUEST),
            ServiceError::Store(_)
            | ServiceError::Decryption
            | ServiceError::Encryption
            | ServiceError::KeyMaterial => ("InternalFailure", INTERNAL),
        },
        ApiError::Iam(e) => (
            e.code(),
            StatusCode::from_u16(e.http_status()).unwrap_or(BAD_REQUEST),
        ),
        ApiError::UnknownOperation(_) | ApiError::InvalidAction { .. } => {
            ("InvalidAction", BAD_REQUEST)
        }
        ApiError::MissingAction => ("MissingAction", BAD_REQUEST),
        ApiError::KmsInternal => ("InternalFailure", INTERNAL),
        ApiError::UserNameRequired => ("ValidationError", BAD_REQUEST),
        ApiError::PackedPolicyTooLarge { .. } => ("PackedPolicyTooLarge", BAD_REQUEST),
        ApiError::DuplicateParameter(_) => ("InvalidQueryParameter", BAD_REQUEST),
        ApiError::Serialization(_) | ApiError::BodyRead => ("MalformedInput", BAD_REQUEST),
        ApiError::BodyTooLarge(_) => ("RequestEntityTooLarge", StatusCode::PAYLOAD_TOO_LARGE),
        ApiError::BodyTimeout => ("RequestTimeout", StatusCode::REQUEST_TIMEOUT),
        ApiError::Busy => ("Throttling", BAD_REQUEST),
        ApiError::MethodNotAllowed => ("MethodNotAllowed", StatusCode::METHOD_NOT_ALLOWED),
        ApiError::Internal | ApiError::AuditUnavailable => ("InternalFailure", INTERNAL),
        // CloudTrail speaks JSON 1.1 only; a Query request never gets here.
        ApiError::CloudTrail(e) => (e.code(), BAD_REQUEST),
    }
}

/// The message of a Query error: [`ApiError::message`], except where the
/// Query services word it differently.
fn error_message(err: &ApiError) -> String {
    match err {
        ApiError::Auth(AuthError::MissingAuthenticationToken) => {
            "Request is missing Authentication Token".to_owned()
        }
        other => other.message(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> QueryRequest {
        QueryRequest::parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn recognises_form_content_types() {
        assert!(is_form("application/x-www-form-urlencoded"));
        assert!(is_form("application/x-www-form-urlencoded; charset=utf-8"));
        assert!(is_form("Application/X-WWW-Form-Urlencoded;charset=UTF-8"));
        assert!(!is_form("application/x-amz-json-1.1"));
        assert!(!is_form("application/x-www-form-urlencodedx"));
        assert!(!is_form(""));
    }

    #[test]
    fn decodes_form_encoding() {
        let f =
            form("Action=GetCallerIdentity&Version=2011-06-15&A=x+y%20z%2B%26%3D&B=&C&D=%E2%9C%93");
        assert_eq!(f.action(), Some("GetCallerIdentity"));
        assert_eq!(f.version(), Some("2011-06-15"));
        let fields = f.fields();
        assert_eq!(fields.optional("A"), Some("x y z+&="));
        assert_eq!(fields.optional("B"), Some(""));
        assert_eq!(fields.optional("C"), Some(""));
        assert_eq!(fields.optional("D"), Some("✓"));
        assert_eq!(fields.optional("E"), None);
        // Names are case-sensitive, as in the models.
        assert_eq!(fields.optional("a"), None);
        // Not UTF-8: replaced, never a panic.
        assert_eq!(form("A=%FF").fields().optional("A"), Some("\u{FFFD}"));
        // Empty bodies and stray separators decode to nothing.
        assert_eq!(form("").action(), None);
        assert_eq!(form("&&Action=X&").action(), Some("X"));
        assert_eq!(form("Action=").action(), None);
    }

    #[test]
    fn refuses_repeated_parameters() {
        match QueryRequest::parse(b"Action=A&Version=1&Action=B") {
            Err(ApiError::DuplicateParameter(name)) => assert_eq!(name, "Action"),
            other => panic!("expected DuplicateParameter, got {other:?}"),
        }
        // The same name, encoded differently, is the same parameter.
        assert!(QueryRequest::parse(b"A=1&%41=2").is_err());
    }

    #[test]
    fn required_members_have_validation_errors() {
        let f = form("RoleArn=arn&Tags.member.1.Value=v");
        assert_eq!(f.fields().required("RoleArn").unwrap(), "arn");
        let err = f.fields().required("RoleSessionName").unwrap_err();
        assert_eq!(
            err.to_string(),
            "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"
        );
        assert_eq!(
            error_code(&err),
            ("ValidationError", StatusCode::BAD_REQUEST)
        );
        let tags = f.fields().structures("Tags");
        let err = tags[0].required("Key").unwrap_err();
        assert_eq!(
            err.to_string(),
            "1 validation error detected: Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null"
        );
        // Constraint checks take the member's path from the accessor.
        let err = ApiError::from(
            validate::length(&f.fields().path("RoleArn"), "arn", 20, 2048).unwrap_err(),
        );
        assert_eq!(
            err.to_string(),
            "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"
        );
    }

    #[test]
    fn lists_of_structures_in_index_order() {
        let f = form(
            "Tags.member.2.Key=k2&Tags.member.2.Value=v2&Tags.member.10.Key=k10&Tags.member.1.Key=k1&Tags.member.1.Value=v1\
             &Tags.member.01.Key=bad&Tags.member.0.Key=bad&Tags.member.x.Key=bad&Tags.member.-1.Key=bad\
             &TagsX.member.3.Key=other&Other=1",
        );
        let tags = f.fields().structures("Tags");
        let keys: Vec<_> = tags.iter().map(|t| t.optional("Key")).collect();
        assert_eq!(keys, [Some("k1"), Some("k2"), Some("k10")]);
        let values: Vec<_> = tags.iter().map(|t| t.optional("Value")).collect();
        assert_eq!(values, [Some("v1"), Some("v2"), None]);
        assert_eq!(tags[2].path("Value"), "tags.10.member.value");
        // An empty list is sent as `Tags=`; an absent one not at all.
        assert!(form("Tags=").fields().structures("Tags").is_empty());
        assert!(form("").fields().structures("Tags").is_empty());
    }

    #[test]
    fn nested_lists() {
        let f = form(
            "Policies.member.1.Arns.member.2=b&Policies.member.1.Arns.member.1=a&Policies.member.2.Name=p2",
        );
        let policies = f.fields().structures("Policies");
        assert_eq!(policies.len(), 2);
        assert_eq!(policies[0].strings("Arns"), ["a", "b"]);
        assert!(policies[1].strings("Arns").is_empty());
        assert_eq!(policies[1].optional("Name"), Some("p2"));
        assert_eq!(policies[0].path("Arns"), "policies.1.member.arns");
    }

    #[test]
    fn lists_of_strings() {
        let f = form(
            "Names.member.2=b&Names.member.1=a&Names.member.3.X=not-a-string&Names.member.04=bad",
        );
        assert_eq!(f.fields().strings("Names"), ["a", "b"]);
        // A scalar list is no list of structures and vice versa.
        assert!(
            form("Names.member.1=a")
                .fields()
                .structures("Names")
                .is_empty()
        );
    }

    #[test]
    fn maps() {
        let f = form(
            "Attrs.entry.2.key=k2&Attrs.entry.2.value=v2&Attrs.entry.1.key=k1&Attrs.entry.1.value=v%261",
        );
        assert_eq!(
            f.fields().map("Attrs").unwrap(),
            [("k1", "v&1"), ("k2", "v2")]
        );
        let err = form("Attrs.entry.1.key=k")
            .fields()
            .map("Attrs")
            .unwrap_err();
        assert!(
            err.to_string().contains("at 'attrs.1.entry.value'"),
            "{err}"
        );
        assert!(form("").fields().map("Attrs").unwrap().is_empty());
    }

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn response_envelope() {
        let mut result = XmlWriter::new();
        result.text("Arn", "arn:aws:iam::123456789012:user/a&b");
        assert_eq!(
            text(response(
                AwsService::Sts,
                "GetCallerIdentity",
                "rid-1",
                result
            )),
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/a&amp;b</Arn></GetCallerIdentityResult>\
             <ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata>\
             </GetCallerIdentityResponse>"
        );
        // No output: no Result element.
        assert_eq!(
            text(response(
                AwsService::Iam,
                "DeleteUser",
                "rid-2",
                XmlWriter::new()
            )),
            "<DeleteUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
             <ResponseMetadata><RequestId>rid-2</RequestId></ResponseMetadata>\
             </DeleteUserResponse>"
        );
    }

    #[test]
    fn error_envelope() {
        let err = ApiError::InvalidAction {
            action: "<Nope>".to_owned(),
            version: "2010-05-08".to_owned(),
        };
        assert_eq!(
            text(error_body(&err, Some(AwsService::Iam), "rid")),
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
             <Error><Type>Sender</Type><Code>InvalidAction</Code>\
             <Message>Could not find operation &lt;Nope&gt; for version 2010-05-08</Message></Error>\
             <RequestId>rid</RequestId></ErrorResponse>"
        );
        let body = text(error_body(&ApiError::Internal, None, "rid"));
        assert!(
            body.starts_with("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">")
        );
        assert!(body.contains("<Type>Receiver</Type><Code>InternalFailure</Code>"));
        let body = text(error_body(
            &ApiError::Auth(AuthError::MissingAuthenticationToken),
            Some(AwsService::Sts),
            "rid",
        ));
        assert!(body.contains("<Message>Request is missing Authentication Token</Message>"));
    }

    #[test]
    fn authentication_errors_use_the_query_codes() {
        let code = |e: AuthError| error_code(&ApiError::Auth(e));
        assert_eq!(
            code(AuthError::UnrecognizedClient),
            ("InvalidClientTokenId", StatusCode::FORBIDDEN)
        );
        assert_eq!(
            code(AuthError::SignatureMismatch),
            ("SignatureDoesNotMatch", StatusCode::FORBIDDEN)
        );
        assert_eq!(
            code(AuthError::WrongService("sts")),
            ("SignatureDoesNotMatch", StatusCode::FORBIDDEN)
        );
        assert_eq!(
            code(AuthError::UnexpectedService(&["sts", "iam"])),
            ("SignatureDoesNotMatch", StatusCode::FORBIDDEN)
        );
        assert_eq!(
            code(AuthError::MissingAuthenticationToken),
            ("MissingAuthenticationToken", StatusCode::FORBIDDEN)
        );
        assert_eq!(
            code(AuthError::IncompleteSignature("x")),
            ("IncompleteSignature", StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            error_code(&ApiError::Service(ServiceError::AccessDenied(
                "no".to_owned()
            ))),
            ("AccessDenied", StatusCode::FORBIDDEN)
        );
    }
}
