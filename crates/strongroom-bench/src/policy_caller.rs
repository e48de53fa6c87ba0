//! The `policy` caller: a non-admin IAM user whose access comes from a
//! 10-statement identity policy plus the benchmark secret's resource
//! policy, so the benchmark measures what authorization costs a realistic
//! least-privilege caller (compared, in the same run, with the admin).
//!
//! Set up with the admin's credentials through the IAM (Query) and Secrets
//! Manager APIs before any timing, and removed afterwards.

use crate::{Ctx, Prepared, describe_error, one_shot};
use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::json;

const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");

/// The user's name and its key.
pub struct PolicyCaller {
    pub user_name: String,
    pub access_key: String,
    pub secret_key: String,
}

/// RFC 3986 percent-encoding for form values.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Signs an IAM Query request (`Action=…&Version=2010-05-08&…`).
fn sign_iam(ctx: &Ctx, params: &[(&str, &str)]) -> Result<Prepared> {
    let mut form = String::from("Version=2010-05-08");
    for (k, v) in params {
        form.push('&');
        form.push_str(k);
        form.push('=');
        form.push_str(&encode(v));
    }
    let amz_date = strongroom_auth::format_amz_date(jiff::Timestamp::now().as_millisecond());
    let mut headers = HeaderMap::with_capacity(4);
    headers.insert(HOST, ctx.endpoint.authority.clone());
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
    );
    headers.insert(X_AMZ_DATE, HeaderValue::from_str(&amz_date)?);
    let authorization = strongroom_auth::sign_headers(&strongroom_auth::SignInput {
        method: "POST",
        path: "/",
        query: None,
        headers: &headers,
        body: form.as_bytes(),
        access_key_id: &ctx.access_key,
        secret_access_key: &ctx.secret_key,
        region: &ctx.region,
        service: "iam",
        amz_date: &amz_date,
    });
    headers.insert(AUTHORIZATION, HeaderValue::from_str(&authorization)?);
    Ok(Prepared::new(headers, Bytes::from(form)))
}

async fn call(ctx: &Ctx, prepared: &Prepared, what: &str) -> Result<String> {
    let (status, body) = one_shot(ctx, prepared)
        .await
        .with_context(|| format!("setup {what}"))?;
    if status != StatusCode::OK {
        bail!("setup {what} failed: {}", describe_error(status, &body));
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// The text of `<name>…</name>` in an XML answer.
fn xml_text(body: &str, name: &str) -> Option<String> {
    let start = body.find(&format!("<{name}>"))? + name.len() + 2;
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(body[start..end].to_owned())
}

/// Ten statements, as a real least-privilege policy might have: the one
/// that grants the benchmark's reads is not the first to be looked at.
fn identity_policy(account: &str, region: &str, prefix: &str) -> String {
    let secrets = format!("arn:aws:secretsmanager:{region}:{account}:secret");
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "List", "Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"},
            {"Sid": "Passwords", "Effect": "Allow", "Action": "secretsmanager:GetRandomPassword", "Resource": "*"},
            {"Sid": "NoDeletes", "Effect": "Deny", "Action": "secretsmanager:DeleteSecret", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:PrincipalTag/role": "operator"}}},
            {"Sid": "OtherTeam", "Effect": "Allow", "Action": "secretsmanager:DescribeSecret",
             "Resource": format!("{secrets}:other/*")},
            {"Sid": "Kms", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
             "Condition": {"StringEquals": {"kms:ViaService": format!("secretsmanager.{region}.amazonaws.com")}}},
            {"Sid": "Describe", "Effect": "Allow", "Action": "secretsmanager:DescribeSecret",
             "Resource": format!("{secrets}:{prefix}*")},
            {"Sid": "Write", "Effect": "Allow", "Action": ["secretsmanager:PutSecretValue", "secretsmanager:CreateSecret"],
             "Resource": format!("{secrets}:{prefix}*"),
             "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}},
            {"Sid": "NoProd", "Effect": "Deny", "Action": "secretsmanager:*", "Resource": format!("{secrets}:prod/*")},
            {"Sid": "Tags", "Effect": "Allow", "Action": "secretsmanager:TagResource", "Resource": format!("{secrets}:{prefix}*"),
             "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}},
            {"Sid": "Read", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
             "Resource": format!("{secrets}:{prefix}*"),
             "Condition": {"StringEqualsIfExists": {"secretsmanager:VersionStage": "AWSCURRENT"}}},
        ]
    })
    .to_string()
}

/// The secret's resource policy: the user may read it; nobody from
/// another account may change its policy.
fn resource_policy(user_arn: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": user_arn},
             "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:PutResourcePolicy", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:PrincipalAccount": user_arn.split(':').nth(4).unwrap_or_default()}}},
        ]
    })
    .to_string()
}

/// Creates the user, its policy and key, and the secret's resource policy.
pub async fn setup(admin: &Ctx, secret_arn: &str) -> Result<PolicyCaller> {
    let account = secret_arn
        .split(':')
        .nth(4)
        .context("secret ARN without account")?;
    let user_name = format!("{}-reader", admin.secret);
    let created = call(
        admin,
        &sign_iam(admin, &[("Action", "CreateUser"), ("UserName", &user_name)])?,
        "CreateUser",
    )
    .await?;
    let user_arn = xml_text(&created, "Arn").context("CreateUser answer without Arn")?;
    let policy = identity_policy(account, &admin.region, &admin.secret);
    call(
        admin,
        &sign_iam(
            admin,
            &[
                ("Action", "PutUserPolicy"),
                ("UserName", &user_name),
                ("PolicyName", "bench"),
                ("PolicyDocument", &policy),
            ],
        )?,
        "PutUserPolicy",
    )
    .await?;
    let key = call(
        admin,
        &sign_iam(
            admin,
            &[("Action", "CreateAccessKey"), ("UserName", &user_name)],
        )?,
        "CreateAccessKey",
    )
    .await?;
    let access_key = xml_text(&key, "AccessKeyId").context("no AccessKeyId")?;
    let secret_key = xml_text(&key, "SecretAccessKey").context("no SecretAccessKey")?;
    let body = json!({"SecretId": admin.secret, "ResourcePolicy": resource_policy(&user_arn)});
    let (status, answer) = one_shot(admin, &admin.sign("PutResourcePolicy", &body)?).await?;
    if status != StatusCode::OK {
        bail!(
            "setup PutResourcePolicy failed: {}",
            describe_error(status, &answer)
        );
    }
    Ok(PolicyCaller {
        user_name,
        access_key,
        secret_key,
    })
}

/// Removes the user (key, policy, user); failures are reported, not fatal.
pub async fn teardown(admin: &Ctx, caller: &PolicyCaller) {
    let steps: [(&str, Vec<(&str, &str)>); 3] = [
        (
            "DeleteAccessKey",
            vec![
                ("UserName", caller.user_name.as_str()),
                ("AccessKeyId", caller.access_key.as_str()),
            ],
        ),
        (
            "DeleteUserPolicy",
            vec![
                ("UserName", caller.user_name.as_str()),
                ("PolicyName", "bench"),
            ],
        ),
        ("DeleteUser", vec![("UserName", caller.user_name.as_str())]),
    ];
    for (action, mut params) in steps {
        params.insert(0, ("Action", action));
        let outcome = match sign_iam(admin, &params) {
            Ok(prepared) => call(admin, &prepared, action).await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            eprintln!("cleanup: {e:#}");
        }
    }
}
