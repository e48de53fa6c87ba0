//! The wire protocols of the AWS services on this listener: JSON 1.1
//! (Secrets Manager, KMS, CloudTrail) and Query (IAM, STS).
//!
//! A request's protocol is known from its headers alone, before its body is
//! read or its signature checked, so that every failure, authentication
//! included, is answered in the shape its client parses.

pub mod json;
pub mod query;
pub mod xml;

use crate::ApiError;
use crate::route::AwsService;
use http::{HeaderMap, StatusCode, header};

/// How a request is encoded and how it must be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// AWS JSON 1.1: `X-Amz-Target` names the operation; JSON bodies.
    Json,
    /// AWS Query: a form body whose `Action` names the operation; XML answers.
    Query,
}

impl Protocol {
    /// JSON 1.1 requests name their operation in `X-Amz-Target`; a request
    /// without one whose body is a form is a Query request. Anything else
    /// is taken for JSON 1.1, whose errors say what is missing.
    pub fn of(headers: &HeaderMap) -> Protocol {
        let form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(query::is_form);
        if form && !headers.contains_key("x-amz-target") {
            Protocol::Query
        } else {
            Protocol::Json
        }
    }

    /// `Content-Type` of this protocol's answers.
    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::Json => json::CONTENT_TYPE,
            Protocol::Query => query::CONTENT_TYPE,
        }
    }

    /// The code the client is answered with for `err`.
    pub fn error_code(self, err: &ApiError) -> &'static str {
        match self {
            Protocol::Json => err.aws_code(),
            Protocol::Query => query::error_code(err).0,
        }
    }

    /// The HTTP status the client is answered with for `err`.
    pub fn error_status(self, err: &ApiError) -> StatusCode {
        match self {
            Protocol::Json => err.status(),
            Protocol::Query => query::error_code(err).1,
        }
    }

    /// The error body for `err`; `service` is the one the request was for,
    /// if that is known by the time it failed.
    pub fn error_body(
        self,
        err: &ApiError,
        service: Option<AwsService>,
        request_id: &str,
    ) -> Vec<u8> {
        match self {
            Protocol::Json => json::error_body(err.aws_code(), &err.message()),
            Protocol::Query => query::error_body(err, service, request_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, http::HeaderValue::from_static(value));
        }
        h
    }

    #[test]
    fn detects_the_protocol_from_headers() {
        let form = "application/x-www-form-urlencoded; charset=utf-8";
        assert_eq!(
            Protocol::of(&headers(&[("content-type", form)])),
            Protocol::Query
        );
        // X-Amz-Target makes it JSON 1.1, whatever the content type says.
        assert_eq!(
            Protocol::of(&headers(&[
                ("content-type", form),
                ("x-amz-target", "secretsmanager.ListSecrets")
            ])),
            Protocol::Json
        );
        assert_eq!(
            Protocol::of(&headers(&[("content-type", "application/x-amz-json-1.1")])),
            Protocol::Json
        );
        assert_eq!(Protocol::of(&headers(&[])), Protocol::Json);
    }
}
