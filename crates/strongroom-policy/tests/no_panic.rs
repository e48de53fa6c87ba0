//! The parser and the evaluator never panic, whatever the document: a
//! deterministic mutation sweep over realistic policies (bytes flipped,
//! dropped, duplicated; structural tokens spliced in), each result parsed as
//! every policy kind and, when it parses, evaluated. (A fuzzer would go
//! further; this runs in every `cargo test`.)

use strongroom_policy::{
    Context, Policies, Policy, PolicyKind, Principal, Request, authorize, size_without_whitespace,
};

const SEEDS: &[&str] = &[
    r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":["secretsmanager:Get*","kms:Decrypt"],"Resource":"arn:aws:secretsmanager:*:111122223333:secret:app/*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"${aws:username}"},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::1/128"]}}}]}"#,
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"iam:*","NotResource":["*"],"Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a?","b*"]},"DateLessThanIfExists":{"aws:TokenIssueTime":"2026-01-01T00:00:00Z"},"Null":{"aws:SourceIp":"true"}}}}"#,
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","111122223333"]},"Action":"sts:AssumeRole","Condition":{"NumericLessThan":{"sts:DurationSeconds":3600},"BinaryEquals":{"k":"QUJD"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/${*}x"}}}]}"#,
    r#"{"Statement":[{"Effect":"Allow","NotPrincipal":"*","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false},"ForAnyValue:NumericGreaterThanEquals":{"x":[1,2.5,"3"]}}}]}"#,
];

/// A tiny deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SPLICES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "${",
    "}",
    "*",
    "?",
    "null",
    "true",
    "1e999",
    "-0",
    "\"Condition\":{}",
    "\"Statement\":[]",
    "\u{0}",
    "é",
    "${aws:username, 'x'}",
    "IfExists",
    "ForAllValues:",
];

fn mutate(rng: &mut Rng, seed: &str) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for _ in 0..=rng.below(4) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len());
        match rng.below(4) {
            0 => bytes[at] = (rng.next() & 0x7f) as u8,
            1 => {
                bytes.remove(at);
            }
            2 => {
                let piece = SPLICES[rng.below(SPLICES.len())].as_bytes();
                bytes.splice(at..at, piece.iter().copied());
            }
            _ => {
                let end = (at + rng.below(16)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn mutated_documents_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut context = Context::new();
    context.set("aws:PrincipalTag/team", "alice");
    context.set("aws:username", "alice");
    context.set("aws:SourceIp", "10.1.2.3");
    context.set_multi("aws:TagKeys", vec!["a1".into(), "bee".into()]);
    context.set("aws:TokenIssueTime", "2025-06-01T00:00:00Z");
    let request = Request {
        principal: Principal {
            arn: "arn:aws:iam::111122223333:user/alice",
            account: "111122223333",
            role_arn: None,
        },
        action: "secretsmanager:GetSecretValue",
        resource: "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-AbCdEf",
        resource_account: "111122223333",
        context: &context,
    };
    let mut parsed = 0usize;
    for round in 0..4000 {
        let doc = mutate(&mut rng, SEEDS[round % SEEDS.len()]);
        let _ = size_without_whitespace(&doc);
        for kind in [
            PolicyKind::Identity,
            PolicyKind::Resource,
            PolicyKind::Trust,
            PolicyKind::Session,
        ] {
            if let Ok(policy) = Policy::parse(&doc, kind) {
                parsed += 1;
                let _ = policy.grants_public_access();
                let identity = [&policy];
                let _ = authorize(
                    &request,
                    &Policies {
                        identity: &identity,
                        resource: Some(&policy),
                        session: Some(&policy),
                    },
                );
            }
        }
    }
    // The sweep is only meaningful if some mutants still parse.
    assert!(parsed > 100, "only {parsed} mutants parsed");
}
