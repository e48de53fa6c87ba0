//! The wire protocols of the AWS services on this listener: JSON 1.1
//! (Secrets Manager, KMS, CloudTrail) and Query (IAM, STS).

pub mod json;
