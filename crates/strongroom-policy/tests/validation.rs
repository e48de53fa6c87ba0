//! Documents IAM refuses, with IAM's `MalformedPolicyDocument` message, and documents
//! it accepts. Most rows follow the table moto checks against AWS
//! (`tests/test_iam/test_iam_policies.py`); the kind-specific rows follow the
//! errors quoted in the issues cited on `PolicyError`'s variants.
#![allow(clippy::unwrap_used)]

use strongroom_policy::{Policy, PolicyError, PolicyKind, PolicyVersion, size_without_whitespace};

use PolicyKind::{Identity, Resource, Session, Trust};

/// Wraps one statement body in a 2012-10-17 document.
fn one(statement: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":{{{statement}}}}}"#)
}

const OK: &str =
    r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket""#;

#[test]
fn refused_documents() {
    let rows: Vec<(PolicyKind, String, &str)> = vec![
        (Identity, "This is not a json document".into(), "Syntax errors in policy."),
        (Identity, "[]".into(), "Syntax errors in policy."),
        (Identity, r#""a string""#.into(), "Syntax errors in policy."),
        (Identity, format!(r#"{{"Version":"2013-10-17","Statement":{{{OK}}}}}"#), "Syntax errors in policy."),
        (Identity, format!(r#"{{"Version":20121017,"Statement":{{{OK}}}}}"#), "Syntax errors in policy."),
        (Identity, r#"{"Version":"2012-10-17"}"#.into(), "Syntax errors in policy."),
        (Identity, r#"{"Version":"2012-10-17","Statement":[]}"#.into(), "Syntax errors in policy."),
        (Identity, r#"{"Version":"2012-10-17","Statement":["afd"]}"#.into(), "Syntax errors in policy."),
        (Identity, r#"{"Version":"2012-10-17","Statement":"x"}"#.into(), "Syntax errors in policy."),
        (Identity, format!(r#"{{"Version":"2012-10-17","Statement":{{{OK}}},"Extra field":"value"}}"#), "Syntax errors in policy."),
        (Identity, format!(r#"{{"Version":"2012-10-17","Id":["x"],"Statement":{{{OK}}}}}"#), "Syntax errors in policy."),
        (Identity, one(&format!(r#"{OK},"Extra field":"value""#)), "Syntax errors in policy."),
        (Identity, one(r#""Effect":"invalid","Action":"s3:ListBucket","Resource":"*""#), "Syntax errors in policy."),
        (Identity, one(r#""Action":"s3:ListBucket","Resource":"*""#), "Syntax errors in policy."),
        (Identity, one(r#""Effect":true,"Action":"s3:ListBucket","Resource":"*""#), "Syntax errors in policy."),
        (Identity, one(r#""Sid":{},"Effect":"Allow","Action":"s3:ListBucket","Resource":"*""#), "Syntax errors in policy."),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":{"a":"arn:aws:s3:::b"}"#), "Syntax errors in policy."),
        (Identity, one(r#""Effect":"Deny","Action":"s3:ListBucket","Resource":["adfdf",{}]"#), "Syntax errors in policy."),
        (Identity, one(r#""Effect":"Deny","Action":[[]],"Resource":"*""#), "Syntax errors in policy."),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","NotAction":"iam:dsf","Resource":"*""#), "Syntax errors in policy."),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","NotResource":"*""#), "Syntax errors in policy."),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":[]"#), "Syntax errors in policy."),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"a":"b"}"#), "Syntax errors in policy."),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateGreaterThan":{"a":{}}}"#), "Syntax errors in policy."),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"x":{"a":"1"}}"#), "Syntax errors in policy."),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringEqualz":{"a":"1"}}"#), "Syntax errors in policy."),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"NullIfExists":{"a":"true"}}"#), "Syntax errors in policy."),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"ForAnyValue::StringEqualsIfExists":{"a":"asf"}}"#), "Syntax errors in policy."),
        (Resource, one(r#""Effect":"Allow","Principal":"arn:aws:iam::111122223333:root","Action":"s3:*","Resource":"*""#), "Syntax errors in policy."),
        (Resource, one(r#""Effect":"Allow","Principal":{"Robot":"x"},"Action":"s3:*","Resource":"*""#), "Syntax errors in policy."),
        (Resource, one(r#""Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"s3:*","Resource":"*""#), "Syntax errors in policy."),
        // Legacy parsing.
        (Identity, one(r#""Effect":"denY","Action":"s3:ListBucket","Resource":"*""#), "The policy failed legacy parsing"),
        (Identity, one(r#""Effect":"allow","Action":"s3:ListBucket","Resource":"*""#), "The policy failed legacy parsing"),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateGreaterThan":{"a":"sdfdsf"}}"#), "The policy failed legacy parsing"),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateLessThan":{"a":"9223372036854775808"}}"#), "The policy failed legacy parsing"),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3::example_bucket""#), "The policy failed legacy parsing"),
        (Identity, one(r#""Effect":"Allow","NotAction":"s3:ListBucket","Resource":"arn:aws::::example_bucket""#), "The policy failed legacy parsing"),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws::fdsasf""#), "The policy failed legacy parsing"),
        (Identity, one(r#""Effect":"Allow","Resource":"arn:aws:s3::example_bucket""#), "The policy failed legacy parsing"),
        // Sid uniqueness comes before missing actions.
        (Identity, format!(r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"sdf",{OK}}},{{"Sid":"sdf","Effect":"Allow"}}]}}"#), "Statement IDs (SID) in a single policy must be unique."),
        (Resource, r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}"#.into(), "Statement IDs (SID) in a single policy must be unique."),
        // Missing actions / resources.
        (Identity, one(r#""Effect":"Allow","Resource":"arn:aws:s3:::example_bucket""#), "Policy statement must contain actions."),
        (Identity, one(r#""Effect":"Allow""#), "Policy statement must contain actions."),
        (Identity, one(r#""Effect":"Allow","Action":[],"Resource":"*""#), "Policy statement must contain actions."),
        (Identity, format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny"}},{{{OK}}}]}}"#), "Policy statement must contain actions."),
        (Trust, one(r#""Effect":"Allow","Principal":{"AWS":"111122223333"}"#), "Policy statement must contain actions."),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket""#), "Policy statement must contain resources."),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":[]"#), "Policy statement must contain resources."),
        (Trust, one(r#""Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:role/R""#), "Has prohibited field Resource"),
        (Session, one(r#""Effect":"Allow","Action":"s3:ListBucket""#), "Policy statement must contain resources."),
        (Resource, one(r#""Effect":"Allow","Principal":"*","Action":"s3:ListBucket""#), "Policy statement must contain resources."),
        // Resource format.
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"invalid resource""#), r#"Resource invalid resource must be in ARN format or "*"."#),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"""#), r#"Resource  must be in ARN format or "*"."#),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":["adf"]"#), r#"Resource adf must be in ARN format or "*"."#),
        (Identity, one(r#""Effect":"Allow","Action":"s:3:ListBucket","Resource":"sdfsadf""#), r#"Resource sdfsadf must be in ARN format or "*"."#),
        (Identity, one(r#""Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:bsdfdsafsad""#), r#"Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*"."#),
        (Identity, one(r#""Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:b:c:d:e:f:g:h""#), r#"Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h"."#),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"aws:s3:::example_bucket""#), r#"Partition "s3" is not valid for resource "arn:s3:::example_bucket:*"."#),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:error:s3:::example_bucket","arn:error:s3::example_bucket"]"#), r#"Partition "error" is not valid for resource "arn:error:s3:::example_bucket"."#),
        (Identity, one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws""#), "Resource vendor must be fully qualified and cannot contain regexes."),
        // Action format.
        (Identity, one(r#""Effect":"Allow","Action":"invalid","Resource":"*""#), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        // Action format is checked before missing resources.
        (Identity, one(r#""Effect":"Allow","Action":"invalid""#), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        (Trust, one(r#""Effect":"Allow","Principal":"*","Action":"invalid","Resource":"*""#), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        (Identity, one(r#""Effect":"Allow","NotAction":"","Resource":"*""#), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        (Identity, one(r#""Effect":"Allow","Action":"GetSecretValue","Resource":"*""#), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        (Identity, one(r#""Effect":"Allow","Action":"s3:List:Bucket","Resource":"*""#), "Actions/Condition can contain only one colon."),
        (Identity, one(r#""Effect":"Allow","Action":"a a:ListBucket","Resource":"*""#), "Vendor a a is not valid"),
        (Identity, one(r#""Effect":"Allow","Action":"*:Untag*","Resource":"*""#), "Action vendors (e.g., aws, ec2, etc.) must not contain wildcards"),
        // Principal by kind.
        (Identity, one(r#""Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*""#), "Policy document should not specify a principal."),
        (Identity, one(r#""Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*""#), "Policy document should not specify a principal."),
        (Session, one(r#""Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*""#), "Policy document should not specify a principal."),
        (Resource, one(r#""Effect":"Allow","Action":"secretsmanager:*","Resource":"*""#), "Missing required field Principal"),
        (Resource, one(r#""Effect":"Allow","Principal":{"AWS":[]},"Action":"secretsmanager:*","Resource":"*""#), "Missing required field Principal"),
        (Trust, one(r#""Effect":"Allow","Action":"sts:AssumeRole""#), "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!"),
        (Trust, one(r#""Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Resource":"*""#), "Has prohibited field Resource"),
        (Trust, one(r#""Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","NotResource":"*""#), "Has prohibited field NotResource"),
        // Principal values.
        (Resource, one(r#""Effect":"Allow","Principal":{"AWS":"alice"},"Action":"s3:*","Resource":"*""#), r#"Invalid principal in policy: "AWS":"alice""#),
        (Resource, one(r#""Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:group/admins"]},"Action":"s3:*","Resource":"*""#), r#"Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:group/admins""#),
        (Trust, one(r#""Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/*"},"Action":"sts:AssumeRole""#), r#"Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:role/*""#),
        (Trust, one(r#""Effect":"Allow","Principal":{"Service":"amazonaws.com"},"Action":"sts:AssumeRole""#), r#"Invalid principal in policy: "SERVICE":"amazonaws.com""#),
        (Trust, one(r#""Effect":"Allow","Principal":{"Service":"lambda"},"Action":"sts:AssumeRole""#), r#"Invalid principal in policy: "SERVICE":"lambda""#),
        (Trust, one(r#""Effect":"Allow","Principal":{"Federated":""},"Action":"sts:AssumeRoleWithWebIdentity""#), r#"Invalid principal in policy: "FEDERATED":"""#),
    ];
    for (i, (kind, json, message)) in rows.iter().enumerate() {
        match Policy::parse(json, *kind) {
            Ok(_) => panic!("row {i}: accepted {json}"),
            Err(e) => assert_eq!(e.to_string(), *message, "row {i}: {json}"),
        }
    }
}

#[test]
fn accepted_documents() {
    let rows: Vec<(PolicyKind, String)> = vec![
        (Identity, one(OK)),
        (Identity, format!(r#"{{"Statement":{{{OK}}}}}"#)),
        (
            Identity,
            format!(r#"{{"Version":"2008-10-17","Statement":[{{{OK}}}]}}"#),
        ),
        (
            Identity,
            format!(
                r#"{{"Version":"2012-10-17","Id":"x","Statement":[{{"Sid":"",{OK}}},{{"Sid":"",{OK}}}]}}"#
            ),
        ),
        (
            Identity,
            one(
                r#""Effect":"Allow","Action":"iam: asdf safdsf af ","Resource":"arn:aws:s3:::example_bucket""#,
            ),
        ),
        (
            Identity,
            one(
                r#""Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::example_bucket","*"]"#,
            ),
        ),
        (
            Identity,
            one(
                r#""Effect":"Allow","Action":"service-prefix:action-name","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2017-07-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2017-12-31T23:59:59Z"}}"#,
            ),
        ),
        (
            Identity,
            one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:fdsasf""#),
        ),
        (
            Identity,
            one(
                r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket","Condition":{}"#,
            ),
        ),
        (
            Identity,
            one(
                r#""Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:*:s3:::example_bucket","arn:aws-cn:s3:::b"]"#,
            ),
        ),
        (
            Identity,
            one(
                r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":"Department"}}"#,
            ),
        ),
        (
            Identity,
            one(
                r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateGreaterThan":{"a":[]}}"#,
            ),
        ),
        (
            Identity,
            one(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"a":{}}"#),
        ),
        (
            Identity,
            one(
                r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false},"NumericLessThan":{"s3:max-keys":10}}"#,
            ),
        ),
        (
            Identity,
            one(
                r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:invalid-service:us-east-1::example_bucket""#,
            ),
        ),
        (
            Session,
            one(r#""Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:iam::*:role/*""#),
        ),
        (
            Resource,
            one(
                r#""Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:root","arn:aws:iam::444455556666:user/p/bob","arn:aws:sts::444455556666:assumed-role/R/s"]},"Action":"secretsmanager:*","Resource":"*""#,
            ),
        ),
        (
            Resource,
            one(
                r#""Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/Admin"},"Action":"secretsmanager:*","Resource":"*""#,
            ),
        ),
        (
            Trust,
            one(
                r#""Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","ec2.amazonaws.com"]},"Action":"sts:AssumeRole""#,
            ),
        ),
        (
            Trust,
            one(
                r#""Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/example.com"},"Action":"sts:AssumeRoleWithWebIdentity""#,
            ),
        ),
        (
            Trust,
            one(
                r#""Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"sts:AssumeRole""#,
            ),
        ),
    ];
    for (i, (kind, json)) in rows.iter().enumerate() {
        if let Err(e) = Policy::parse(json, *kind) {
            panic!("row {i}: refused with {e}: {json}");
        }
    }
}

#[test]
fn policy_is_shareable_across_threads() {
    fn assert_traits<T: Clone + std::fmt::Debug + Send + Sync + 'static>() {}
    assert_traits::<Policy>();
    assert_traits::<PolicyError>();
    assert_traits::<strongroom_policy::Context>();
}

#[test]
fn parsed_metadata() {
    let p = Policy::parse(
        r#"{"Version":"2012-10-17","Id":"doc","Statement":[{"Sid":"One","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#,
        Identity,
    )
    .unwrap();
    assert_eq!(p.id(), Some("doc"));
    assert_eq!(p.kind(), Identity);
    assert_eq!(p.version(), PolicyVersion::V2012_10_17);
    assert_eq!(p.sids().collect::<Vec<_>>(), [Some("One"), None]);
    assert_eq!(p.statement_count(), 2);
    assert_eq!(p.require_current_version(), Ok(()));

    let old = Policy::parse(&format!(r#"{{"Statement":{{{OK}}}}}"#), Identity).unwrap();
    assert_eq!(old.version(), PolicyVersion::V2008_10_17);
    assert_eq!(
        old.require_current_version().unwrap_err().to_string(),
        "Policy document must be version 2012-10-17 or greater."
    );
    assert_eq!(
        old.require_current_version(),
        Err(PolicyError::VersionTooOld)
    );
}

#[test]
fn size_counts_no_whitespace_between_tokens() {
    let rows = [
        (r#"{"a":"b"}"#, 9),
        ("{ \"a\" :\n\t\"b\" }", 9),
        (r#"{"a":"b c"}"#, 11),
        (r#"{"a":"b\" c"}"#, 13),
        ("", 0),
        (r#"{"é": 1}"#, 7),
    ];
    for (json, want) in rows {
        assert_eq!(size_without_whitespace(json), want, "{json:?}");
    }
}
