//! Every condition operator, positive and negated, with the key present, absent and
//! `IfExists`; set qualifiers on multivalued keys; key-name case; policy variables in
//! condition values. Each row is one `Allow` statement guarded by the condition;
//! `expected` says whether the request is allowed.
#![allow(clippy::unwrap_used)]

mod common;

use common::{GET, context, identity_allows};

/// `(condition element body, context, expected)`.
type Row = (&'static str, &'static [(&'static str, &'static str)], bool);

fn check(version: &str, rows: &[Row]) {
    for (i, (condition, setup, expected)) in rows.iter().enumerate() {
        let json = format!(
            r#"{{"Version":"{version}","Statement":{{"Effect":"Allow","Action":"{GET}","Resource":"*","Condition":{{{condition}}}}}}}"#
        );
        let got = identity_allows(&json, GET, "*", &context(setup));
        assert_eq!(got, *expected, "row {i}: {condition} with {setup:?}");
    }
}

const U: &str = "aws:username";

#[test]
fn string_operators() {
    check(
        "2012-10-17",
        &[
            (
                r#""StringEquals":{"aws:username":"alice"}"#,
                &[(U, "alice")],
                true,
            ),
            (
                r#""StringEquals":{"aws:username":"alice"}"#,
                &[(U, "bob")],
                false,
            ),
            (r#""StringEquals":{"aws:username":"alice"}"#, &[], false),
            (
                r#""StringEquals":{"aws:username":"alice"}"#,
                &[(U, "Alice")],
                false,
            ),
            (
                r#""StringEquals":{"aws:username":["bob","alice"]}"#,
                &[(U, "alice")],
                true,
            ),
            (
                r#""StringEquals":{"AWS:UserName":"alice"}"#,
                &[(U, "alice")],
                true,
            ),
            (
                r#""StringEquals":{"aws:username":"alice"}"#,
                &[("AWS:USERNAME", "alice")],
                true,
            ),
            (
                r#""StringNotEquals":{"aws:username":"alice"}"#,
                &[(U, "bob")],
                true,
            ),
            (
                r#""StringNotEquals":{"aws:username":"alice"}"#,
                &[(U, "alice")],
                false,
            ),
            (r#""StringNotEquals":{"aws:username":"alice"}"#, &[], true),
            (
                r#""StringNotEquals":{"aws:username":["alice","bob"]}"#,
                &[(U, "bob")],
                false,
            ),
            (
                r#""StringNotEquals":{"aws:username":["alice","bob"]}"#,
                &[(U, "carol")],
                true,
            ),
            (
                r#""StringEqualsIgnoreCase":{"aws:username":"ALICE"}"#,
                &[(U, "alice")],
                true,
            ),
            (
                r#""StringEqualsIgnoreCase":{"aws:username":"ALICE"}"#,
                &[(U, "bob")],
                false,
            ),
            (
                r#""StringEqualsIgnoreCase":{"aws:username":"ALICE"}"#,
                &[],
                false,
            ),
            (
                r#""StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}"#,
                &[(U, "alice")],
                false,
            ),
            (
                r#""StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}"#,
                &[(U, "bob")],
                true,
            ),
            (
                r#""StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}"#,
                &[],
                true,
            ),
            (
                r#""StringLike":{"aws:username":"al*"}"#,
                &[(U, "alice")],
                true,
            ),
            (
                r#""StringLike":{"aws:username":"al?ce"}"#,
                &[(U, "alice")],
                true,
            ),
            (
                r#""StringLike":{"aws:username":"al?ce"}"#,
                &[(U, "allice")],
                false,
            ),
            (
                r#""StringLike":{"aws:username":"AL*"}"#,
                &[(U, "alice")],
                false,
            ),
            (r#""StringLike":{"aws:username":"al*"}"#, &[], false),
            (
                r#""StringLike":{"aws:username":["x*","*ice"]}"#,
                &[(U, "alice")],
                true,
            ),
            (
                r#""StringNotLike":{"aws:username":"al*"}"#,
                &[(U, "alice")],
                false,
            ),
            (
                r#""StringNotLike":{"aws:username":"al*"}"#,
                &[(U, "bob")],
                true,
            ),
            (r#""StringNotLike":{"aws:username":"al*"}"#, &[], true),
            (
                r#""StringEqualsIfExists":{"aws:username":"alice"}"#,
                &[],
                true,
            ),
            (
                r#""StringEqualsIfExists":{"aws:username":"alice"}"#,
                &[(U, "bob")],
                false,
            ),
            (
                r#""StringEqualsIfExists":{"aws:username":"alice"}"#,
                &[(U, "alice")],
                true,
            ),
            (
                r#""StringLikeIfExists":{"aws:username":"a*"}"#,
                &[(U, "alice")],
                true,
            ),
            (
                r#""StringNotEqualsIfExists":{"aws:username":"alice"}"#,
                &[(U, "alice")],
                false,
            ),
            (
                r#""StringNotLikeIfExists":{"aws:username":"a*"}"#,
                &[],
                true,
            ),
            (
                r#""StringEqualsIgnoreCaseIfExists":{"aws:username":"X"}"#,
                &[],
                true,
            ),
        ],
    );
}

const N: &str = "secretsmanager:RecoveryWindowInDays";

#[test]
fn numeric_operators() {
    check(
        "2012-10-17",
        &[
            (
                r#""NumericEquals":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "10")],
                true,
            ),
            (
                r#""NumericEquals":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "10.0")],
                true,
            ),
            (
                r#""NumericEquals":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "11")],
                false,
            ),
            (
                r#""NumericEquals":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[],
                false,
            ),
            (
                r#""NumericEquals":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "abc")],
                false,
            ),
            (
                r#""NumericEquals":{"secretsmanager:RecoveryWindowInDays":["7","30"]}"#,
                &[(N, "30")],
                true,
            ),
            (
                r#""NumericNotEquals":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "11")],
                true,
            ),
            (
                r#""NumericNotEquals":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "10")],
                false,
            ),
            (
                r#""NumericNotEquals":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[],
                true,
            ),
            (
                r#""NumericLessThan":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "9")],
                true,
            ),
            (
                r#""NumericLessThan":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "10")],
                false,
            ),
            (
                r#""NumericLessThan":{"secretsmanager:RecoveryWindowInDays":10}"#,
                &[(N, "5")],
                true,
            ),
            (
                r#""NumericLessThan":{"secretsmanager:RecoveryWindowInDays":"1.5"}"#,
                &[(N, "1.25")],
                true,
            ),
            (
                r#""NumericLessThanEquals":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "10")],
                true,
            ),
            (
                r#""NumericLessThanEquals":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "11")],
                false,
            ),
            (
                r#""NumericGreaterThan":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "11")],
                true,
            ),
            (
                r#""NumericGreaterThan":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "10")],
                false,
            ),
            (
                r#""NumericGreaterThan":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[],
                false,
            ),
            (
                r#""NumericGreaterThanEquals":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "10")],
                true,
            ),
            (
                r#""NumericGreaterThanEquals":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "9")],
                false,
            ),
            (
                r#""NumericLessThanIfExists":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[],
                true,
            ),
            (
                r#""NumericLessThanIfExists":{"secretsmanager:RecoveryWindowInDays":"10"}"#,
                &[(N, "12")],
                false,
            ),
            (
                r#""NumericEquals":{"secretsmanager:RecoveryWindowInDays":"ten"}"#,
                &[(N, "10")],
                false,
            ),
        ],
    );
}

const T: &str = "aws:CurrentTime";
const E: &str = "aws:EpochTime";

#[test]
fn date_operators() {
    // 1796137200 is 2026-12-01T15:00:00Z.
    check(
        "2012-10-17",
        &[
            (
                r#""DateLessThan":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[(T, "2026-11-30T00:00:00Z")],
                true,
            ),
            (
                r#""DateLessThan":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[(T, "2026-12-02T00:00:00Z")],
                false,
            ),
            (
                r#""DateLessThan":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[(T, "2026-12-01T15:00:00Z")],
                false,
            ),
            (
                r#""DateLessThan":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[],
                false,
            ),
            (
                r#""DateLessThan":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[(T, "yesterday")],
                false,
            ),
            (
                r#""DateLessThan":{"aws:CurrentTime":"1796137200"}"#,
                &[(T, "2026-12-01T14:59:59Z")],
                true,
            ),
            (
                r#""DateLessThan":{"aws:CurrentTime":1796137200}"#,
                &[(T, "2026-12-01T15:00:01Z")],
                false,
            ),
            (
                r#""DateGreaterThan":{"aws:EpochTime":"2026-12-01T15:00:00Z"}"#,
                &[(E, "1796137201")],
                true,
            ),
            (
                r#""DateGreaterThan":{"aws:EpochTime":"2026-12-01T15:00:00Z"}"#,
                &[(E, "1796137199")],
                false,
            ),
            (
                r#""DateGreaterThan":{"aws:CurrentTime":"2026-12-01"}"#,
                &[(T, "2026-12-01T00:00:01Z")],
                true,
            ),
            (
                r#""DateEquals":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[(T, "1796137200")],
                true,
            ),
            (
                r#""DateEquals":{"aws:CurrentTime":"2026-12-01T17:00:00+02:00"}"#,
                &[(T, "2026-12-01T15:00:00Z")],
                true,
            ),
            (
                r#""DateEquals":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[(T, "2026-12-01T15:00:01Z")],
                false,
            ),
            (
                r#""DateNotEquals":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[(T, "1796137200")],
                false,
            ),
            (
                r#""DateNotEquals":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[(T, "1796137201")],
                true,
            ),
            (
                r#""DateNotEquals":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[],
                true,
            ),
            (
                r#""DateLessThanEquals":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[(T, "2026-12-01T15:00:00Z")],
                true,
            ),
            (
                r#""DateLessThanEquals":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[(T, "2026-12-01T15:00:01Z")],
                false,
            ),
            (
                r#""DateGreaterThanEquals":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[(T, "2026-12-01T15:00:00Z")],
                true,
            ),
            (
                r#""DateGreaterThanEquals":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[(T, "2026-12-01T14:00:00Z")],
                false,
            ),
            (
                r#""DateGreaterThan":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[],
                false,
            ),
            (
                r#""DateGreaterThanIfExists":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[],
                true,
            ),
            (
                r#""DateGreaterThanIfExists":{"aws:CurrentTime":"2026-12-01T15:00:00Z"}"#,
                &[(T, "2026-01-01T00:00:00Z")],
                false,
            ),
        ],
    );
}

const ST: &str = "aws:SecureTransport";

#[test]
fn bool_and_binary_operators() {
    check(
        "2012-10-17",
        &[
            (
                r#""Bool":{"aws:SecureTransport":"true"}"#,
                &[(ST, "true")],
                true,
            ),
            (
                r#""Bool":{"aws:SecureTransport":true}"#,
                &[(ST, "true")],
                true,
            ),
            (
                r#""Bool":{"aws:SecureTransport":"true"}"#,
                &[(ST, "false")],
                false,
            ),
            (
                r#""Bool":{"aws:SecureTransport":"false"}"#,
                &[(ST, "false")],
                true,
            ),
            (
                r#""Bool":{"aws:SecureTransport":false}"#,
                &[(ST, "true")],
                false,
            ),
            (
                r#""Bool":{"aws:SecureTransport":"true"}"#,
                &[(ST, "TRUE")],
                true,
            ),
            (r#""Bool":{"aws:SecureTransport":"true"}"#, &[], false),
            (
                r#""BoolIfExists":{"aws:SecureTransport":"true"}"#,
                &[],
                true,
            ),
            (
                r#""BoolIfExists":{"aws:SecureTransport":"true"}"#,
                &[(ST, "false")],
                false,
            ),
            (
                r#""Bool":{"aws:SecureTransport":"yes"}"#,
                &[(ST, "yes")],
                false,
            ),
            (
                r#""BinaryEquals":{"s3:blob":"QmluYXJ5VmFsdWU="}"#,
                &[("s3:blob", "QmluYXJ5VmFsdWU=")],
                true,
            ),
            (
                r#""BinaryEquals":{"s3:blob":"QmluYXJ5VmFsdWU="}"#,
                &[("s3:blob", "AAAA")],
                false,
            ),
            (
                r#""BinaryEquals":{"s3:blob":"QmluYXJ5VmFsdWU="}"#,
                &[],
                false,
            ),
            (
                r#""BinaryEqualsIfExists":{"s3:blob":"QmluYXJ5VmFsdWU="}"#,
                &[],
                true,
            ),
        ],
    );
}

const IP: &str = "aws:SourceIp";

#[test]
fn ip_operators() {
    check(
        "2012-10-17",
        &[
            (
                r#""IpAddress":{"aws:SourceIp":"203.0.113.0/24"}"#,
                &[(IP, "203.0.113.7")],
                true,
            ),
            (
                r#""IpAddress":{"aws:SourceIp":"203.0.113.0/24"}"#,
                &[(IP, "198.51.100.1")],
                false,
            ),
            (
                r#""IpAddress":{"aws:SourceIp":"203.0.113.7"}"#,
                &[(IP, "203.0.113.7")],
                true,
            ),
            (
                r#""IpAddress":{"aws:SourceIp":"203.0.113.7"}"#,
                &[(IP, "203.0.113.8")],
                false,
            ),
            (
                r#""IpAddress":{"aws:SourceIp":"203.0.113.9/24"}"#,
                &[(IP, "203.0.113.200")],
                true,
            ),
            (
                r#""IpAddress":{"aws:SourceIp":"2001:db8::/32"}"#,
                &[(IP, "2001:db8:1::5")],
                true,
            ),
            (
                r#""IpAddress":{"aws:SourceIp":"2001:db8::/32"}"#,
                &[(IP, "2001:db9::1")],
                false,
            ),
            (
                r#""IpAddress":{"aws:SourceIp":"2001:db8::5"}"#,
                &[(IP, "2001:db8::5")],
                true,
            ),
            (
                r#""IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}"#,
                &[(IP, "10.1.2.3")],
                true,
            ),
            (
                r#""IpAddress":{"aws:SourceIp":"203.0.113.0/24"}"#,
                &[(IP, "2001:db8::1")],
                false,
            ),
            (
                r#""IpAddress":{"aws:SourceIp":"203.0.113.0/24"}"#,
                &[(IP, "not-an-ip")],
                false,
            ),
            (
                r#""IpAddress":{"aws:SourceIp":"203.0.113.0/24"}"#,
                &[],
                false,
            ),
            (
                r#""NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}"#,
                &[(IP, "203.0.113.7")],
                false,
            ),
            (
                r#""NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}"#,
                &[(IP, "198.51.100.1")],
                true,
            ),
            (
                r#""NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}"#,
                &[],
                true,
            ),
            (
                r#""NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}"#,
                &[(IP, "10.9.9.9")],
                false,
            ),
            (
                r#""IpAddressIfExists":{"aws:SourceIp":"203.0.113.0/24"}"#,
                &[],
                true,
            ),
            (
                r#""NotIpAddressIfExists":{"aws:SourceIp":"203.0.113.0/24"}"#,
                &[(IP, "203.0.113.1")],
                false,
            ),
        ],
    );
}

const SA: &str = "aws:SourceArn";
const TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:topic";

#[test]
fn arn_operators() {
    check(
        "2012-10-17",
        &[
            (
                r#""ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:topic"}"#,
                &[(SA, TOPIC)],
                true,
            ),
            (
                r#""ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:other"}"#,
                &[(SA, TOPIC)],
                false,
            ),
            (
                r#""ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}"#,
                &[(SA, TOPIC)],
                true,
            ),
            (
                r#""ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}"#,
                &[(SA, TOPIC)],
                true,
            ),
            (
                r#""ArnLike":{"aws:SourceArn":"arn:aws:sns:*:444455556666:*"}"#,
                &[(SA, TOPIC)],
                false,
            ),
            (
                r#""ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:Topic"}"#,
                &[(SA, TOPIC)],
                false,
            ),
            (
                r#""ArnLike":{"aws:SourceArn":"arn:aws:sns:*:topic"}"#,
                &[(SA, TOPIC)],
                false,
            ),
            (
                r#""ArnLike":{"aws:SourceArn":"arn:aws:sns:*"}"#,
                &[(SA, TOPIC)],
                true,
            ),
            (
                r#""ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-?:111122223333:t?pic"}"#,
                &[(SA, TOPIC)],
                true,
            ),
            (
                r#""ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}"#,
                &[],
                false,
            ),
            (
                r#""ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:topic"}"#,
                &[(SA, TOPIC)],
                false,
            ),
            (
                r#""ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:other"}"#,
                &[(SA, TOPIC)],
                true,
            ),
            (
                r#""ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:444455556666:*"}"#,
                &[(SA, TOPIC)],
                true,
            ),
            (
                r#""ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}"#,
                &[(SA, TOPIC)],
                false,
            ),
            (
                r#""ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}"#,
                &[],
                true,
            ),
            (
                r#""ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}"#,
                &[],
                true,
            ),
            // aws:PrincipalArn falls back to the request's principal when the context lacks it.
            (
                r#""ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}"#,
                &[],
                true,
            ),
            (
                r#""ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/bob"}"#,
                &[],
                false,
            ),
        ],
    );
}

const TIT: &str = "aws:TokenIssueTime";

#[test]
fn null_operator() {
    check(
        "2012-10-17",
        &[
            (r#""Null":{"aws:TokenIssueTime":"true"}"#, &[], true),
            (
                r#""Null":{"aws:TokenIssueTime":"true"}"#,
                &[(TIT, "2026-01-01T00:00:00Z")],
                false,
            ),
            (
                r#""Null":{"aws:TokenIssueTime":"false"}"#,
                &[(TIT, "2026-01-01T00:00:00Z")],
                true,
            ),
            (r#""Null":{"aws:TokenIssueTime":"false"}"#, &[], false),
            (r#""Null":{"aws:TokenIssueTime":true}"#, &[], true),
            // A key present with no values counts as null.
            (
                r#""Null":{"aws:TagKeys":"false"}"#,
                &[("aws:TagKeys", "[]")],
                false,
            ),
            (
                r#""Null":{"aws:TagKeys":"true"}"#,
                &[("aws:TagKeys", "[]")],
                true,
            ),
            (
                r#""Null":{"aws:TagKeys":"false"}"#,
                &[("aws:TagKeys", r#"["env"]"#)],
                true,
            ),
        ],
    );
}

#[test]
fn blocks_are_anded_and_values_ored() {
    check(
        "2012-10-17",
        &[
            (
                r#""StringEquals":{"aws:username":"alice","aws:PrincipalTag/team":"blue"}"#,
                &[(U, "alice"), ("aws:PrincipalTag/team", "blue")],
                true,
            ),
            (
                r#""StringEquals":{"aws:username":"alice","aws:PrincipalTag/team":"blue"}"#,
                &[(U, "alice"), ("aws:PrincipalTag/team", "red")],
                false,
            ),
            (
                r#""StringEquals":{"aws:username":"alice"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}"#,
                &[(U, "alice"), (IP, "10.0.0.1")],
                true,
            ),
            (
                r#""StringEquals":{"aws:username":"alice"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}"#,
                &[(U, "alice"), (IP, "11.0.0.1")],
                false,
            ),
            (
                r#""StringEquals":{"aws:username":["bob","carol","alice"]}"#,
                &[(U, "carol")],
                true,
            ),
            // An empty block constrains nothing (moto's valid-document table).
            (r#""StringEquals":{}"#, &[], true),
            // A key with an empty value list can match nothing.
            (
                r#""StringEquals":{"aws:username":[]}"#,
                &[(U, "alice")],
                false,
            ),
        ],
    );
}

const TK: &str = "aws:TagKeys";

#[test]
fn set_qualifiers_on_multivalued_keys() {
    check(
        "2012-10-17",
        &[
            (
                r#""ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}"#,
                &[(TK, r#"["env"]"#)],
                true,
            ),
            (
                r#""ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}"#,
                &[(TK, r#"["env","team"]"#)],
                true,
            ),
            (
                r#""ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}"#,
                &[(TK, r#"["env","owner"]"#)],
                false,
            ),
            (
                r#""ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}"#,
                &[],
                true,
            ),
            (
                r#""ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}"#,
                &[(TK, "[]")],
                true,
            ),
            (
                r#""ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}"#,
                &[(TK, r#"["owner","env"]"#)],
                true,
            ),
            (
                r#""ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}"#,
                &[(TK, r#"["owner"]"#)],
                false,
            ),
            (
                r#""ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}"#,
                &[],
                false,
            ),
            (
                r#""ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}"#,
                &[(TK, "[]")],
                false,
            ),
            (
                r#""ForAnyValue:StringLike":{"aws:TagKeys":"t*"}"#,
                &[(TK, r#"["owner","team"]"#)],
                true,
            ),
            (
                r#""ForAllValues:StringLike":{"aws:TagKeys":["t*","e*"]}"#,
                &[(TK, r#"["team","env"]"#)],
                true,
            ),
            (
                r#""ForAllValues:StringLike":{"aws:TagKeys":["t*","e*"]}"#,
                &[(TK, r#"["team","owner"]"#)],
                false,
            ),
            (
                r#""ForAllValues:StringNotEquals":{"aws:TagKeys":"secret"}"#,
                &[(TK, r#"["a","b"]"#)],
                true,
            ),
            (
                r#""ForAllValues:StringNotEquals":{"aws:TagKeys":"secret"}"#,
                &[(TK, r#"["a","secret"]"#)],
                false,
            ),
            (
                r#""ForAnyValue:StringNotEquals":{"aws:TagKeys":"secret"}"#,
                &[(TK, r#"["secret"]"#)],
                false,
            ),
            (
                r#""ForAnyValue:StringNotEquals":{"aws:TagKeys":"secret"}"#,
                &[(TK, r#"["secret","a"]"#)],
                true,
            ),
            (
                r#""ForAnyValue:StringEqualsIgnoreCase":{"aws:TagKeys":"ENV"}"#,
                &[(TK, r#"["env"]"#)],
                true,
            ),
            (
                r#""ForAllValues:StringEquals":{"AWS:TAGKEYS":["env"]}"#,
                &[(TK, r#"["env"]"#)],
                true,
            ),
            (
                r#""ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"env"}"#,
                &[],
                true,
            ),
            (
                r#""ForAllValues:StringEqualsIfExists":{"aws:TagKeys":"env"}"#,
                &[(TK, r#"["x"]"#)],
                false,
            ),
            // Without a qualifier a multivalued key behaves like "any" for positive
            // operators and "none" for negated ones.
            (
                r#""StringEquals":{"aws:TagKeys":"env"}"#,
                &[(TK, r#"["owner","env"]"#)],
                true,
            ),
            (
                r#""StringEquals":{"aws:TagKeys":"env"}"#,
                &[(TK, "[]")],
                false,
            ),
            (
                r#""StringNotEquals":{"aws:TagKeys":"env"}"#,
                &[(TK, r#"["owner","env"]"#)],
                false,
            ),
            (
                r#""StringNotEquals":{"aws:TagKeys":"env"}"#,
                &[(TK, r#"["owner"]"#)],
                true,
            ),
            (
                r#""ForAnyValue:NumericLessThan":{"s3:sizes":"10"}"#,
                &[("s3:sizes", r#"["50","5"]"#)],
                true,
            ),
            (
                r#""ForAllValues:NumericLessThan":{"s3:sizes":"10"}"#,
                &[("s3:sizes", r#"["50","5"]"#)],
                false,
            ),
        ],
    );
}

#[test]
fn tag_keys_in_condition_keys_are_case_insensitive() {
    check(
        "2012-10-17",
        &[
            (
                r#""StringEquals":{"aws:ResourceTag/Env":"prod"}"#,
                &[("aws:resourcetag/env", "prod")],
                true,
            ),
            (
                r#""StringEquals":{"secretsmanager:ResourceTag/Env":"prod"}"#,
                &[("SecretsManager:resourceTag/ENV", "prod")],
                true,
            ),
            (
                r#""StringEquals":{"aws:RequestTag/Env":"prod"}"#,
                &[("aws:requesttag/ENV", "prod")],
                true,
            ),
            (
                r#""StringEquals":{"aws:PrincipalTag/Team":"blue"}"#,
                &[("aws:principaltag/team", "blue")],
                true,
            ),
            // The tag value is still case-sensitive under StringEquals.
            (
                r#""StringEquals":{"aws:ResourceTag/Env":"prod"}"#,
                &[("aws:ResourceTag/Env", "Prod")],
                false,
            ),
        ],
    );
}

const OWNER: &str = "aws:ResourceTag/owner";

#[test]
fn policy_variables_in_condition_values() {
    check(
        "2012-10-17",
        &[
            (
                r#""StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}"#,
                &[(OWNER, "alice"), (U, "alice")],
                true,
            ),
            (
                r#""StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}"#,
                &[(OWNER, "alice"), (U, "bob")],
                false,
            ),
            (
                r#""StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}"#,
                &[(OWNER, "alice")],
                false,
            ),
            (
                r#""StringEquals":{"aws:ResourceTag/owner":"${aws:PrincipalTag/Team}"}"#,
                &[(OWNER, "blue"), ("aws:principaltag/team", "blue")],
                true,
            ),
            (
                r#""StringLike":{"s3:prefix":"home/${aws:username}/*"}"#,
                &[("s3:prefix", "home/alice/x"), (U, "alice")],
                true,
            ),
            (
                r#""StringLike":{"s3:prefix":"home/${aws:username}/*"}"#,
                &[("s3:prefix", "home/bob/x"), (U, "alice")],
                false,
            ),
            (
                r#""StringEquals":{"aws:ResourceTag/owner":"${aws:username, 'nobody'}"}"#,
                &[(OWNER, "nobody")],
                true,
            ),
            (
                r#""StringEquals":{"aws:ResourceTag/owner":"${aws:username, 'nobody'}"}"#,
                &[(OWNER, "nobody"), (U, "alice")],
                false,
            ),
            (
                r#""StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:username}"}"#,
                &[(OWNER, "ALICE"), (U, "alice")],
                true,
            ),
            (
                r#""StringLike":{"s3:key":"a${*}b"}"#,
                &[("s3:key", "a*b")],
                true,
            ),
            (
                r#""StringLike":{"s3:key":"a${*}b"}"#,
                &[("s3:key", "axb")],
                false,
            ),
            (
                r#""StringLike":{"s3:key":"a${?}b"}"#,
                &[("s3:key", "axb")],
                false,
            ),
            (
                r#""StringEquals":{"s3:key":"${$}{x}"}"#,
                &[("s3:key", "${x}")],
                true,
            ),
            // A substituted value is literal text: its `*` is no wildcard.
            (
                r#""StringLike":{"s3:key":"${aws:PrincipalTag/p}"}"#,
                &[("s3:key", "abc"), ("aws:PrincipalTag/p", "a*")],
                false,
            ),
            (
                r#""StringLike":{"s3:key":"${aws:PrincipalTag/p}"}"#,
                &[("s3:key", "a*"), ("aws:PrincipalTag/p", "a*")],
                true,
            ),
            // aws:PrincipalAccount falls back to the request's principal.
            (
                r#""ArnLike":{"aws:SourceArn":"arn:aws:sns:*:${aws:PrincipalAccount}:*"}"#,
                &[(SA, TOPIC)],
                true,
            ),
            (
                r#""ArnLike":{"aws:SourceArn":"arn:aws:sns:*:${aws:PrincipalAccount}:*"}"#,
                &[(SA, "arn:aws:sns:us-east-1:444455556666:t")],
                false,
            ),
            // A multivalued key cannot stand in for a variable.
            (
                r#""StringEquals":{"s3:key":"${aws:TagKeys}"}"#,
                &[("s3:key", "a"), (TK, r#"["a","b"]"#)],
                false,
            ),
            // Negated operator with an unresolvable value: that value is skipped.
            (
                r#""StringNotEquals":{"aws:ResourceTag/owner":"${aws:username}"}"#,
                &[(OWNER, "alice")],
                true,
            ),
        ],
    );
}

#[test]
fn version_2008_does_not_substitute() {
    check(
        "2008-10-17",
        &[
            (
                r#""StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}"#,
                &[(OWNER, "${aws:username}"), (U, "alice")],
                true,
            ),
            (
                r#""StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}"#,
                &[(OWNER, "alice"), (U, "alice")],
                false,
            ),
        ],
    );
}
