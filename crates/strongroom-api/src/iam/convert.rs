//! Members and shapes shared by the IAM handlers: reading the form's
//! members into the use cases' inputs, and writing the model's common
//! output shapes (`User`, `Group`, `Role`, `Policy`, `AccessKeyMetadata`,
//! tag lists, the `IsTruncated`/`Marker` of a page) in the model's member
//! order.
//!
//! Dates are ISO 8601 UTC with seconds (`2026-12-01T15:33:22Z`), as IAM
//! writes them. Policy documents are URL-encoded (RFC 3986), as IAM sends
//! them: SDKs hand them over as they come (botocore decodes them back into
//! dicts).

use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use strongroom_domain::{Error, Tag};
use strongroom_iam::{
    Absent, AccessKeyMetadata, AttachedPolicy, Group, ManagedPolicy, Page, PolicyVersion, Role,
    User,
};
use strongroom_service::RequestContext;

// ---------------------------------------------------------------------------
// Reading members
// ---------------------------------------------------------------------------

/// A required string member, owned (the use cases take owned inputs).
pub(super) fn string(fields: &Fields<'_>, name: &str) -> Result<String, ApiError> {
    fields.required(name).map(str::to_owned)
}

/// An optional string member, owned.
pub(super) fn optional(fields: &Fields<'_>, name: &str) -> Option<String> {
    fields.optional(name).map(str::to_owned)
}

/// An optional integer member. The range is the use case's to check; text
/// that is no integer at all is refused here, with the member's path.
pub(super) fn integer(fields: &Fields<'_>, name: &str) -> Result<Option<i64>, ApiError> {
    let Some(text) = fields.optional(name) else {
        return Ok(None);
    };
    text.trim()
        .parse()
        .map(Some)
        .map_err(|_| not_a(fields, name, text, "Member must be a number"))
}

/// An optional boolean member: `true` or `false`, as SDKs write them.
pub(super) fn boolean(fields: &Fields<'_>, name: &str) -> Result<Option<bool>, ApiError> {
    match fields.optional(name) {
        None => Ok(None),
        Some(text) if text.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(text) if text.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(text) => Err(not_a(fields, name, text, "Member must be a boolean")),
    }
}

fn not_a(fields: &Fields<'_>, name: &str, text: &str, constraint: &str) -> ApiError {
    Error::Constraint {
        member: fields.path(name),
        // Echoed like any other refused value, but kept short.
        shown: format!("'{}' ", text.chars().take(64).collect::<String>()),
        constraint: constraint.to_owned(),
    }
    .into()
}

/// `Marker` and `MaxItems`, the paging members of every IAM list.
pub(super) fn paging(fields: &Fields<'_>) -> Result<(Option<String>, Option<i64>), ApiError> {
    Ok((optional(fields, "Marker"), integer(fields, "MaxItems")?))
}

/// A list of tags (`Tags.member.N.Key`, `Tags.member.N.Value`), in the
/// order given; each needs both members. An absent list is empty.
pub(super) fn tags(fields: &Fields<'_>, name: &str) -> Result<Vec<Tag>, ApiError> {
    fields
        .structures(name)
        .iter()
        .map(|tag| {
            Ok(Tag {
                key: string(tag, "Key")?,
                value: string(tag, "Value")?,
            })
        })
        .collect()
}

/// A required list of tags (TagUser, TagRole): absent is a ValidationError;
/// sent empty (`Tags=`), the use case's to refuse.
pub(super) fn required_tags(fields: &Fields<'_>, name: &str) -> Result<Vec<Tag>, ApiError> {
    let items = tags(fields, name)?;
    if items.is_empty() && fields.optional(name).is_none() {
        fields.required(name)?;
    }
    Ok(items)
}

/// A required list of strings (`TagKeys.member.N`). The model requires the
/// member; an empty list is sent as `TagKeys=` and is the use case's to
/// refuse (it is below the model's minimum).
pub(super) fn string_list(fields: &Fields<'_>, name: &str) -> Result<Vec<String>, ApiError> {
    let items = fields.strings(name);
    if items.is_empty() && fields.optional(name).is_none() {
        fields.required(name)?;
    }
    Ok(items.into_iter().map(str::to_owned).collect())
}

/// `UserName`, which the access-key operations and GetUser take as
/// optional: without it, the caller's own user. A caller that is not an
/// IAM user (a role session) must name one, as IAM says.
pub(super) fn user_name_or_caller(
    fields: &Fields<'_>,
    ctx: &RequestContext,
) -> Result<String, ApiError> {
    match fields.optional("UserName") {
        Some(name) => Ok(name.to_owned()),
        None => ctx
            .principal
            .user_name
            .clone()
            .ok_or(ApiError::UserNameRequired),
    }
}

/// Refuses a member this server does not implement rather than ignoring
/// it: a permissions boundary that were silently dropped would grant more
/// than the caller asked for.
pub(super) fn refuse(fields: &Fields<'_>, name: &str, what: &'static str) -> Result<(), ApiError> {
    match fields.optional(name) {
        Some(_) => Err(Error::Unsupported(what).into()),
        None => Ok(()),
    }
}

/// The message for a PermissionsBoundary member.
pub(super) const NO_PERMISSIONS_BOUNDARIES: &str =
    "Permissions boundaries are not supported by this server.";

// ---------------------------------------------------------------------------
// Writing shapes
// ---------------------------------------------------------------------------

/// ISO 8601 with seconds, as IAM writes dates.
pub(super) use crate::protocol::query::iso_date as date;

/// RFC 3986's unreserved characters stay; everything else is `%XX` of its
/// UTF-8 bytes.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A policy document as IAM sends it: URL-encoded (RFC 3986).
pub(super) fn policy_document(document: &str) -> String {
    utf8_percent_encode(document, NOT_UNRESERVED).to_string()
}

/// `<name><member><Key>…</Key><Value>…</Value></member>…</name>`.
pub(super) fn tag_list(out: &mut XmlWriter, name: &str, tags: &[Tag]) {
    out.list(name, tags, |w, tag| {
        w.text("Key", &tag.key);
        w.text("Value", &tag.value);
    });
}

/// Tags that are part of an entity: left out when there are none (and in
/// lists, whose items come without tags), as IAM does.
fn entity_tags(out: &mut XmlWriter, tags: &[Tag]) {
    if !tags.is_empty() {
        tag_list(out, "Tags", tags);
    }
}

/// The members of the model's `User`.
pub(super) fn user(out: &mut XmlWriter, user: &User) {
    out.text("Path", &user.path);
    out.text("UserName", &user.user_name);
    out.text("UserId", &user.user_id);
    out.text("Arn", &user.arn);
    out.text("CreateDate", &date(user.create_date));
    entity_tags(out, &user.tags);
}

/// `<name>` with one `<member>` `User` per user.
pub(super) fn user_list(out: &mut XmlWriter, name: &str, users: &[User]) {
    out.list(name, users, user);
}

/// The members of the model's `Group`.
pub(super) fn group(out: &mut XmlWriter, group: &Group) {
    out.text("Path", &group.path);
    out.text("GroupName", &group.group_name);
    out.text("GroupId", &group.group_id);
    out.text("Arn", &group.arn);
    out.text("CreateDate", &date(group.create_date));
}

/// `<name>` with one `<member>` `Group` per group.
pub(super) fn group_list(out: &mut XmlWriter, name: &str, groups: &[Group]) {
    out.list(name, groups, group);
}

/// The members of the model's `Role`; the trust policy URL-encoded.
pub(super) fn role(out: &mut XmlWriter, role: &Role) {
    out.text("Path", &role.path);
    out.text("RoleName", &role.role_name);
    out.text("RoleId", &role.role_id);
    out.text("Arn", &role.arn);
    out.text("CreateDate", &date(role.create_date));
    out.text(
        "AssumeRolePolicyDocument",
        &policy_document(&role.assume_role_policy_document),
    );
    out.optional("Description", role.description.as_deref());
    out.text("MaxSessionDuration", &role.max_session_duration.to_string());
    entity_tags(out, &role.tags);
}

/// Whether a `Policy` is written alone (GetPolicy, CreatePolicy) or as an
/// item of ListPolicies, which leaves out the description, as IAM's does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Detail {
    Full,
    ListItem,
}

/// The members of the model's `Policy`.
pub(super) fn policy(out: &mut XmlWriter, policy: &ManagedPolicy, detail: Detail) {
    out.text("PolicyName", &policy.policy_name);
    out.text("PolicyId", &policy.policy_id);
    out.text("Arn", &policy.arn);
    out.text("Path", &policy.path);
    out.text("DefaultVersionId", &policy.default_version_id);
    out.text("AttachmentCount", &policy.attachment_count.to_string());
    out.text(
        "PermissionsBoundaryUsageCount",
        &policy.permissions_boundary_usage_count.to_string(),
    );
    out.text("IsAttachable", bool_text(policy.is_attachable));
    if detail == Detail::Full {
        out.optional("Description", policy.description.as_deref());
    }
    out.text("CreateDate", &date(policy.create_date));
    out.text("UpdateDate", &date(policy.update_date));
    entity_tags(out, &policy.tags);
}

/// The members of the model's `PolicyVersion`. IAM sends the document
/// (URL-encoded) in GetPolicyVersion only, not in CreatePolicyVersion.
pub(super) fn policy_version(out: &mut XmlWriter, version: &PolicyVersion, with_document: bool) {
    if with_document {
        out.text("Document", &policy_document(&version.document));
    }
    out.text("VersionId", &version.version_id);
    out.text("IsDefaultVersion", bool_text(version.is_default_version));
    out.text("CreateDate", &date(version.create_date));
}

/// The members of the model's `AccessKeyMetadata`.
pub(super) fn access_key_metadata(out: &mut XmlWriter, key: &AccessKeyMetadata) {
    out.text("UserName", &key.user_name);
    out.text("AccessKeyId", &key.access_key_id);
    out.text("Status", key.status.as_str());
    out.text("CreateDate", &date(key.create_date));
}

/// `AttachedPolicies`: the managed policies attached to a user, group or role.
pub(super) fn attached_policies(out: &mut XmlWriter, policies: &[AttachedPolicy]) {
    out.list("AttachedPolicies", policies, |w, p| {
        w.text("PolicyName", &p.policy_name);
        w.text("PolicyArn", &p.policy_arn);
    });
}

/// `PolicyNames`: a list of strings.
pub(super) fn policy_names(out: &mut XmlWriter, names: &[String]) {
    out.element("PolicyNames", |w| {
        for name in names {
            w.text("member", name);
        }
    });
}

/// A list of what Strongroom keeps none of (`<name/>` with no members),
/// then its page end.
pub(super) fn absent_list(out: &mut XmlWriter, name: &str, page: &Page<Absent>) {
    out.list(name, &page.items, |_, never| match *never {});
    page_end(out, page);
}

/// `IsTruncated` and, when it is true, `Marker`: the end of every list.
pub(super) fn page_end<T>(out: &mut XmlWriter, page: &Page<T>) {
    out.text("IsTruncated", bool_text(page.is_truncated));
    out.optional("Marker", page.marker.as_deref());
}

fn bool_text(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::query::QueryRequest;
    use strongroom_domain::Timestamp;

    fn form(body: &str) -> QueryRequest {
        QueryRequest::parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn dates_are_iso_8601_with_seconds() {
        assert_eq!(date(Timestamp(1_796_139_202_123)), "2026-12-01T15:33:22Z");
        assert_eq!(date(Timestamp(0)), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn policy_documents_are_url_encoded() {
        let doc = r#"{"Version": "2012-10-17", "Statement": [{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/ü~"}]}"#;
        let encoded = policy_document(doc);
        assert_eq!(
            encoded,
            "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Ab%2F%C3%BC~%22%7D%5D%7D"
        );
        let decoded = percent_encoding::percent_decode_str(&encoded)
            .decode_utf8()
            .unwrap();
        assert_eq!(decoded, doc);
    }

    #[test]
    fn reads_scalars() {
        let f = form("MaxItems=5&Bad=x&Yes=true&No=false&Maybe=1");
        let fields = f.fields();
        assert_eq!(integer(&fields, "MaxItems").unwrap(), Some(5));
        assert_eq!(integer(&fields, "Absent").unwrap(), None);
        assert_eq!(
            integer(&fields, "Bad").unwrap_err().to_string(),
            "1 validation error detected: Value 'x' at 'bad' failed to satisfy constraint: Member must be a number"
        );
        assert_eq!(boolean(&fields, "Yes").unwrap(), Some(true));
        assert_eq!(boolean(&fields, "No").unwrap(), Some(false));
        assert!(boolean(&fields, "Maybe").is_err());
        assert_eq!(paging(&fields).unwrap(), (None, Some(5)));
    }

    #[test]
    fn reads_tags_and_string_lists() {
        let f = form(
            "Tags.member.2.Key=b&Tags.member.2.Value=2&Tags.member.1.Key=a&Tags.member.1.Value=1&TagKeys.member.1=a",
        );
        let fields = f.fields();
        let t = tags(&fields, "Tags").unwrap();
        assert_eq!(
            t.iter()
                .map(|t| (t.key.as_str(), t.value.as_str()))
                .collect::<Vec<_>>(),
            [("a", "1"), ("b", "2")]
        );
        assert!(tags(&fields, "Absent").unwrap().is_empty());
        assert_eq!(string_list(&fields, "TagKeys").unwrap(), ["a"]);
        assert_eq!(
            string_list(&fields, "Absent").unwrap_err().to_string(),
            "1 validation error detected: Value null at 'absent' failed to satisfy constraint: Member must not be null"
        );
        // Sent empty: present, and the use case's to refuse.
        assert!(
            string_list(&form("TagKeys=").fields(), "TagKeys")
                .unwrap()
                .is_empty()
        );
        let err = tags(&form("Tags.member.1.Key=a").fields(), "Tags").unwrap_err();
        assert_eq!(
            err.to_string(),
            "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn writes_a_user_with_tags_only_when_it_has_some() {
        let mut u = User {
            path: "/".into(),
            user_name: "bob".into(),
            user_id: "AIDA1".into(),
            arn: "arn:aws:iam::123456789012:user/bob".into(),
            create_date: Timestamp(0),
            tags: Vec::new(),
        };
        let mut w = XmlWriter::new();
        user(&mut w, &u);
        assert_eq!(
            String::from_utf8(w.into_bytes()).unwrap(),
            "<Path>/</Path><UserName>bob</UserName><UserId>AIDA1</UserId>\
             <Arn>arn:aws:iam::123456789012:user/bob</Arn><CreateDate>1970-01-01T00:00:00Z</CreateDate>"
        );
        u.tags.push(Tag {
            key: "k".into(),
            value: "v&".into(),
        });
        let mut w = XmlWriter::new();
        user(&mut w, &u);
        assert!(
            String::from_utf8(w.into_bytes())
                .unwrap()
                .ends_with("<Tags><member><Key>k</Key><Value>v&amp;</Value></member></Tags>")
        );
    }

    #[test]
    fn writes_page_ends() {
        let mut w = XmlWriter::new();
        page_end(
            &mut w,
            &Page {
                items: vec![1],
                is_truncated: true,
                marker: Some("m".into()),
            },
        );
        page_end(
            &mut w,
            &Page::<u8> {
                items: vec![],
                is_truncated: false,
                marker: None,
            },
        );
        assert_eq!(
            String::from_utf8(w.into_bytes()).unwrap(),
            "<IsTruncated>true</IsTruncated><Marker>m</Marker><IsTruncated>false</IsTruncated>"
        );
    }
}
