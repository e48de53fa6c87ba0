//! `Policy::grants_public_access`, the test behind Secrets Manager's `BlockPublicPolicy`.
#![allow(clippy::unwrap_used)]

use strongroom_policy::{Policy, PolicyKind};

/// A resource policy with one statement: `effect`, principal element, extra elements.
fn doc(effect: &str, principal: &str, extra: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}",{principal},"Action":"secretsmanager:GetSecretValue","Resource":"*"{extra}}}]}}"#
    )
}

fn cond(body: &str) -> String {
    format!(r#","Condition":{{{body}}}"#)
}

const STAR: &str = r#""Principal":"*""#;

#[test]
fn public_access_table() {
    let rows: Vec<(String, bool)> = vec![
        (doc("Allow", STAR, ""), true),
        (doc("Allow", r#""Principal":{"AWS":"*"}"#, ""), true),
        (doc("Allow", r#""Principal":{"AWS":["111122223333","*"]}"#, ""), true),
        (doc("Allow", r#""Principal":{"AWS":"111122223333"}"#, ""), false),
        (doc("Allow", r#""Principal":{"AWS":"arn:aws:iam::444455556666:root"}"#, ""), false),
        (doc("Allow", r#""Principal":{"Service":"lambda.amazonaws.com"}"#, ""), false),
        (doc("Deny", STAR, ""), false),
        (doc("Allow", r#""NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"}"#, ""), true),
        (doc("Deny", r#""NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"}"#, ""), false),
        (doc("Allow", STAR, &cond(r#""StringEquals":{"aws:PrincipalAccount":"111122223333"}"#)), false),
        (doc("Allow", STAR, &cond(r#""StringEquals":{"AWS:PRINCIPALACCOUNT":"111122223333"}"#)), false),
        (doc("Allow", STAR, &cond(r#""StringEquals":{"aws:PrincipalOrgID":"o-abc123"}"#)), false),
        (doc("Allow", STAR, &cond(r#""StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}"#)), false),
        (doc("Allow", STAR, &cond(r#""StringEquals":{"aws:SourceVpc":"vpc-111bbb22"}"#)), false),
        (doc("Allow", STAR, &cond(r#""StringEquals":{"aws:SourceAccount":"111122223333"}"#)), false),
        (doc("Allow", STAR, &cond(r#""StringEquals":{"aws:userid":"AIDAEXAMPLE"}"#)), false),
        (doc("Allow", STAR, &cond(r#""StringEquals":{"aws:username":"alice"}"#)), false),
        (doc("Allow", STAR, &cond(r#""IpAddress":{"aws:SourceIp":"203.0.113.0/24"}"#)), false),
        (doc("Allow", STAR, &cond(r#""IpAddress":{"aws:SourceIp":"0.0.0.0/0"}"#)), true),
        (doc("Allow", STAR, &cond(r#""ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}"#)), false),
        (doc("Allow", STAR, &cond(r#""ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin"}"#)), true),
        (doc("Allow", STAR, &cond(r#""ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:t"}"#)), false),
        (doc("Allow", STAR, &cond(r#""StringLike":{"aws:PrincipalAccount":"*"}"#)), true),
        (doc("Allow", STAR, &cond(r#""StringLike":{"aws:PrincipalAccount":["111122223333","*"]}"#)), true),
        (doc("Allow", STAR, &cond(r#""StringNotEquals":{"aws:PrincipalAccount":"111122223333"}"#)), true),
        (doc("Allow", STAR, &cond(r#""StringEqualsIfExists":{"aws:PrincipalAccount":"111122223333"}"#)), true),
        (doc("Allow", STAR, &cond(r#""ForAllValues:StringEquals":{"aws:PrincipalAccount":"111122223333"}"#)), true),
        (doc("Allow", STAR, &cond(r#""StringEquals":{"aws:PrincipalAccount":"${aws:username}"}"#)), true),
        (doc("Allow", STAR, &cond(r#""Bool":{"aws:SecureTransport":"true"}"#)), true),
        (doc("Allow", STAR, &cond(r#""Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}"#)), false),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"},{"Effect":"Allow","Principal":"*","Action":"secretsmanager:DescribeSecret","Resource":"*"}]}"#.to_owned(),
            true,
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#.to_owned(),
            false,
        ),
    ];
    for (i, (json, expected)) in rows.iter().enumerate() {
        let p =
            Policy::parse(json, PolicyKind::Resource).unwrap_or_else(|e| panic!("row {i}: {e}"));
        assert_eq!(p.grants_public_access(), *expected, "row {i}: {json}");
    }
}

#[test]
fn trust_policies_can_be_public_too() {
    let p = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}}"#,
        PolicyKind::Trust,
    )
    .unwrap();
    assert!(p.grants_public_access());
}
