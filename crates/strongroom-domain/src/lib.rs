//! The pure rules of AWS Secrets Manager: what a secret, a version and a staging
//! label are, which names, tags and ARNs are valid, how labels move, how
//! `ListSecrets` filters match and how random passwords are drawn; and, in
//! [`iam`], the IAM rules the store and `strongroom-iam` share (unique ids,
//! ARNs, the AWS managed policies).
//!
//! Architecture Invariant: this crate does no I/O and knows nothing of HTTP,
//! SQL or the JSON wire names. Every user-facing failure is an [`Error`]
//! variant whose `Display` is the message AWS sends.

pub mod clock;
pub mod error;
pub mod filter;
pub mod iam;
pub mod ids;
pub mod kms;
pub mod listing;
pub mod password;
pub mod region;
pub mod rotation;
pub mod sealing;
pub mod secret;
pub mod tags;
pub mod time;

pub use error::{Error, ErrorKind};
pub use ids::{SecretRef, build_arn, random_suffix, validate_name};
pub use rotation::{Rotation, RotationRules, RotationRun};
pub use secret::{AWSCURRENT, AWSPENDING, AWSPREVIOUS, Secret, SecretValue, Version};
pub use tags::Tag;
pub use time::Timestamp;
