//! Measures `authorize` for the shape the server meets on every request: a
//! 10-statement identity policy plus a secret's resource policy with conditions.
//!
//! Run with `cargo run --release -p strongroom-policy --example authorize_bench`.

use std::hint::black_box;
use std::time::Instant;

use strongroom_policy::{Context, Policies, Policy, PolicyKind, Principal, Request, authorize};

const IDENTITY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "S1", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "arn:aws:kms:*:111122223333:key/*"},
    {"Sid": "S2", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/${aws:username}/*"},
    {"Sid": "S3", "Effect": "Allow", "Action": "secretsmanager:Describe*", "Resource": "*"},
    {"Sid": "S4", "Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"},
    {"Sid": "S5", "Effect": "Deny", "Action": "secretsmanager:DeleteSecret", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
    {"Sid": "S6", "Effect": "Allow", "Action": "secretsmanager:PutSecretValue", "Resource": "arn:aws:secretsmanager:*:111122223333:secret:dev/*"},
    {"Sid": "S7", "Effect": "Deny", "NotAction": ["secretsmanager:*", "kms:*", "s3:*"], "Resource": "*"},
    {"Sid": "S8", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}, "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]}}},
    {"Sid": "S9", "Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}},
    {"Sid": "S10", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:shared/*"}
  ]
}"#;

const RESOURCE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
    {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
  ]
}"#;

fn main() {
    let identity = Policy::parse(IDENTITY, PolicyKind::Identity).expect("identity policy");
    let resource = Policy::parse(RESOURCE, PolicyKind::Resource).expect("resource policy");
    let mut context = Context::new();
    context.set("aws:SourceIp", "10.1.2.3");
    context.set("aws:SecureTransport", "true");
    context.set("aws:MultiFactorAuthPresent", "true");
    context.set("aws:CurrentTime", "2026-12-01T15:00:00Z");
    context.set("aws:username", "alice");
    context.set("aws:PrincipalTag/team", "blue");
    context.set("aws:ResourceTag/team", "blue");
    let identities = [&identity];
    let policies = Policies {
        identity: &identities,
        resource: Some(&resource),
        session: None,
    };
    let request = Request {
        principal: Principal {
            arn: "arn:aws:iam::111122223333:user/alice",
            account: "111122223333",
            role_arn: None,
        },
        action: "secretsmanager:GetSecretValue",
        resource: "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
        resource_account: "111122223333",
        context: &context,
    };
    assert!(authorize(&request, &policies).is_allowed());

    let rounds = 1_000_000u32;
    let start = Instant::now();
    for _ in 0..rounds {
        black_box(authorize(black_box(&request), black_box(&policies)));
    }
    let per = start.elapsed() / rounds;
    println!("authorize: {per:?} per call ({rounds} calls)");
}
