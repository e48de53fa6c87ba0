//! AWS IAM (2010-05-08) over the Query protocol: the endpoint enum (one
//! variant per operation, parsed from the form's `Action`) and one handler
//! module per operation.
//!
//! Every handler module implements [`Operation`]: it reads its input
//! members from the form ([`Operation::read`]), names the resource and
//! condition keys the operation is authorized on ([`Operation::target`]),
//! and calls its one use case on [`Iam`] and writes the `{Action}Result`
//! members ([`Operation::call`]). [`run`] is the one place that puts the
//! three together, so no operation can reach `Iam` unauthorized: read →
//! authorize (`iam:{Action}` on the target) → call. IAM's rules (model
//! constraints, quotas, existence) live in `strongroom-iam`; this module only
//! knows wire names.
//!
//! Operations not listed here (CreateInstanceProfile, CreateLoginProfile,
//! …) are not routed, so clients get `InvalidAction` for them, as for any
//! unknown one. Those that only list or remove credential kinds Strongroom
//! does not keep (MFA devices, SSH keys, …) are routed and answer as IAM
//! does for a user or role without any (`strongroom_iam`'s `absent.rs`):
//! tools call them before deleting a user or role.

mod convert;

mod add_user_to_group;
mod attach_group_policy;
mod attach_role_policy;
mod attach_user_policy;
mod create_access_key;
mod create_group;
mod create_policy;
mod create_policy_version;
mod create_role;
mod create_user;
mod delete_access_key;
mod delete_group;
mod delete_group_policy;
mod delete_login_profile;
mod delete_policy;
mod delete_policy_version;
mod delete_role;
mod delete_role_policy;
mod delete_user;
mod delete_user_policy;
mod detach_group_policy;
mod detach_role_policy;
mod detach_user_policy;
mod get_access_key_last_used;
mod get_group;
mod get_group_policy;
mod get_policy;
mod get_policy_version;
mod get_role;
mod get_role_policy;
mod get_user;
mod get_user_policy;
mod list_access_keys;
mod list_attached_group_policies;
mod list_attached_role_policies;
mod list_attached_user_policies;
mod list_group_policies;
mod list_groups;
mod list_groups_for_user;
mod list_instance_profiles_for_role;
mod list_mfa_devices;
mod list_policies;
mod list_policy_tags;
mod list_policy_versions;
mod list_role_policies;
mod list_role_tags;
mod list_roles;
mod list_service_specific_credentials;
mod list_signing_certificates;
mod list_ssh_public_keys;
mod list_user_policies;
mod list_user_tags;
mod list_users;
mod list_virtual_mfa_devices;
mod put_group_policy;
mod put_role_policy;
mod put_user_policy;
mod remove_user_from_group;
mod set_default_policy_version;
mod tag_policy;
mod tag_role;
mod tag_user;
mod untag_policy;
mod untag_role;
mod untag_user;
mod update_access_key;
mod update_assume_role_policy;
mod update_group;
mod update_role;
mod update_role_description;
mod update_user;

use crate::ApiError;
use crate::protocol::query::{self, Fields, QueryRequest};
use crate::protocol::xml::XmlWriter;
use crate::route::AwsService;
use strongroom_domain::Tag;
use strongroom_domain::iam::{ArnKind, entity_arn};
use strongroom_iam::{EntityKind, Expected, Iam};
use strongroom_policy::Context;
use strongroom_service::{Access, RequestContext, add_request_tags, authorize};

/// The API version of IAM's model, the `Version` its clients send.
pub const API_VERSION: &str = "2010-05-08";

/// What an operation is authorized on: the resource ARN, as AWS's Service
/// Authorization Reference lists it for the action, and the request's
/// condition keys (the global ones are added by `authorize`).
pub(super) struct Target {
    resource: String,
    /// How a denial names the resource: as the caller named it, so that a
    /// denial never reveals whether an entity exists or where (its path).
    shown: String,
    keys: Context,
    /// Further resources the action is authorized on, with how a denial
    /// names each: the ARN an entity will have after a rename.
    also: Vec<(String, String)>,
    /// The existing user, group or role `resource` is (by kind and name):
    /// the operation's writes check it still is (`Iam::expecting`).
    entity: Option<(EntityKind, String)>,
}

impl Target {
    /// An action without a resource (the List operations over a whole
    /// account): AWS authorizes those on `*`.
    pub(super) fn any() -> Target {
        Target::on(String::from("*"))
    }

    /// A resource named by its ARN (a managed policy's, a new entity's).
    pub(super) fn on(resource: String) -> Target {
        Target {
            shown: resource.clone(),
            resource,
            entity: None,
            keys: Context::new(),
            also: Vec::new(),
        }
    }

    /// Names the resource differently in a denial than it is authorized on.
    pub(super) fn shown_as(mut self, shown: String) -> Target {
        self.shown = shown;
        self
    }

    /// A new user, group, role or managed policy, at the path the request
    /// gives (`/` without one).
    pub(super) fn new_entity(
        ctx: &RequestContext,
        kind: ArnKind,
        path: Option<&str>,
        name: &str,
    ) -> Target {
        Target::on(entity_arn(ctx.account(), kind, path.unwrap_or("/"), name))
    }

    /// An existing user of the caller's account, by name.
    pub(super) fn user(iam: &Iam, ctx: &RequestContext, name: &str) -> Result<Target, ApiError> {
        Target::existing(iam, ctx, EntityKind::User, name)
    }

    /// An existing group of the caller's account, by name.
    pub(super) fn group(iam: &Iam, ctx: &RequestContext, name: &str) -> Result<Target, ApiError> {
        Target::existing(iam, ctx, EntityKind::Group, name)
    }

    /// An existing role of the caller's account, by name.
    pub(super) fn role(iam: &Iam, ctx: &RequestContext, name: &str) -> Result<Target, ApiError> {
        Target::existing(iam, ctx, EntityKind::Role, name)
    }

    /// The entity's own ARN, path included, so that policies scoped to a
    /// path (`user/admins/*`), denies above all, apply to it as in AWS. One
    /// that does not exist is authorized at path `/`, the ARN its name would
    /// have there: authorization comes before existence, and a caller
    /// without permission learns nothing from the answer.
    fn existing(
        iam: &Iam,
        ctx: &RequestContext,
        kind: EntityKind,
        name: &str,
    ) -> Result<Target, ApiError> {
        let arn_kind = match kind {
            EntityKind::User => ArnKind::User,
            EntityKind::Group => ArnKind::Group,
            EntityKind::Role => ArnKind::Role,
        };
        let as_named = entity_arn(ctx.account(), arn_kind, "/", name);
        match iam.entity_arn_and_tags(ctx.account(), kind, name)? {
            Some((arn, tags)) => {
                // Users' and roles' tags: `aws:ResourceTag/…` and
                // `iam:ResourceTag/…`, for tag-based access to IAM itself.
                let mut target = Target::on(arn).shown_as(as_named).with_resource_tags(&tags);
                target.entity = Some((kind, name.to_owned()));
                Ok(target)
            }
            None => {
                let mut target = Target::on(as_named);
                target.entity = Some((kind, name.to_owned()));
                Ok(target)
            }
        }
    }

    /// Also authorizes the action on the ARN the entity will have after
    /// UpdateUser or UpdateGroup gives it `new_path` and/or `new_name`: IAM
    /// requires permission on both the source and the target of a rename
    /// (policies scoped to a path must not let an entity be moved out of or
    /// into it by someone allowed only on one side). What the request does
    /// not change is kept; a denial names the target at the path the request
    /// gives (`/` without one), not at the entity's current path.
    pub(super) fn and_renamed(
        mut self,
        ctx: &RequestContext,
        kind: ArnKind,
        new_path: Option<&str>,
        new_name: Option<&str>,
    ) -> Target {
        if new_path.is_none() && new_name.is_none() {
            return self;
        }
        let (path, name) = path_and_name(&self.resource);
        let name = new_name.unwrap_or(name);
        let resource = entity_arn(ctx.account(), kind, new_path.unwrap_or(path), name);
        let shown = entity_arn(ctx.account(), kind, new_path.unwrap_or("/"), name);
        self.also.push((resource, shown));
        self
    }

    /// A managed policy, by the ARN the request gives, with its tags as
    /// `aws:ResourceTag/…` and `iam:ResourceTag/…` (tag-based Denies on
    /// policies must see them).
    pub(super) fn policy(iam: &Iam, ctx: &RequestContext, arn: &str) -> Result<Target, ApiError> {
        let tags = iam.policy_tags(ctx.account(), arn)?;
        Ok(Target::on(arn.to_owned()).with_resource_tags(&tags))
    }

    /// The resource's own tags as `aws:ResourceTag/…` and
    /// `iam:ResourceTag/…` (IAM tag keys are unique without regard to case,
    /// so each key is set once).
    fn with_resource_tags(mut self, tags: &[Tag]) -> Target {
        for tag in tags {
            let value = tag.value.as_str();
            self.keys
                .set(&format!("aws:ResourceTag/{}", tag.key), value);
            self.keys
                .set(&format!("iam:ResourceTag/{}", tag.key), value);
        }
        self
    }

    /// `aws:RequestTag/*` and `aws:TagKeys` for the tags a request sets
    /// (none when it sets none, as in AWS).
    pub(super) fn with_tags(mut self, tags: &[Tag]) -> Target {
        if !tags.is_empty() {
            add_request_tags(&mut self.keys, tags);
        }
        self
    }

    /// `aws:TagKeys` for the tags a request removes.
    pub(super) fn with_tag_keys(mut self, keys: &[String]) -> Target {
        if !keys.is_empty() {
            self.keys.set_multi("aws:TagKeys", keys.to_vec());
        }
        self
    }

    /// `iam:PolicyARN` of Attach/Detach{User,Group,Role}Policy.
    pub(super) fn with_policy_arn(mut self, arn: &str) -> Target {
        self.keys.set("iam:PolicyARN", arn);
        self
    }
}

/// The path (`/` or `/a/b/`) and name of a user's, group's or role's ARN
/// (`arn:aws:iam::{account}:{kind}{path}{name}`); `/` and the whole
/// resource for anything else, which [`Target`] never holds.
fn path_and_name(arn: &str) -> (&str, &str) {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or(arn);
    match (resource.find('/'), resource.rfind('/')) {
        (Some(first), Some(last)) => (&resource[first..=last], &resource[last + 1..]),
        _ => ("/", resource),
    }
}

/// One IAM operation, implemented by its handler module.
pub(super) trait Operation {
    /// The use case's input, as read from the form.
    type Input;

    /// Reads the input members (`ctx` for members that default to the
    /// caller, such as GetUser's UserName); a missing required member is a
    /// ValidationError. The model's other constraints are the use case's.
    fn read(fields: &Fields<'_>, ctx: &RequestContext) -> Result<Self::Input, ApiError>;

    /// What the operation is authorized on.
    fn target(input: &Self::Input, ctx: &RequestContext, iam: &Iam) -> Result<Target, ApiError>;

    /// Whether the answer has an `{Action}Result` element even when the
    /// operation writes nothing into it: true only for an operation whose
    /// model output is a structure without members (UpdateRole). Operations
    /// without output have no such element.
    const EMPTY_RESULT_ELEMENT: bool = false;

    /// Runs the use case for the caller's `account` and writes the
    /// `{Action}Result` members (nothing for operations without output).
    async fn call(
        iam: &Iam,
        account: &str,
        input: Self::Input,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError>;
}

/// Read → authorize → call: the one path from a form to a use case.
async fn run<O: Operation>(
    action: &'static str,
    iam: &Iam,
    ctx: &RequestContext,
    form: &QueryRequest,
    out: &mut XmlWriter,
) -> Result<(), ApiError> {
    let input = O::read(&form.fields(), ctx)?;
    let target = O::target(&input, ctx, iam)?;
    let resources = std::iter::once((&target.resource, &target.shown)).chain(
        target
            .also
            .iter()
            .map(|(resource, shown)| (resource, shown)),
    );
    for (resource, shown) in resources {
        authorize(
            ctx,
            Access {
                action,
                resource,
                // Every IAM resource a caller can name is its own account's, or
                // an AWS managed policy, which every account may read and attach.
                resource_account: ctx.account(),
                resource_policy: None,
                shown_as: shown,
                keys: target.keys.clone(),
            },
        )?;
        ctx.note_resource(resource);
    }
    let call = O::call(iam, ctx.account(), input, out);
    match target.entity {
        // The change must land on the entity that was authorized, not on
        // whatever its name means by the time the write runs.
        Some((kind, name)) => {
            let expected = Expected {
                account: ctx.account().to_owned(),
                kind,
                name,
                arn: target.resource,
            };
            Iam::expecting(expected, call).await
        }
        None => call.await,
    }
}

/// Generates the endpoint enum, its name and action tables and the dispatch
/// to the handler modules from one list, so they cannot drift apart. Each
/// module's [`Operation`] is the type named like its variant.
macro_rules! endpoints {
    ($($variant:ident => $module:ident),+ $(,)?) => {
        endpoint_enum!("IAM", $($variant),+);

        impl Endpoint {

            /// The action that authorizes the operation: for every IAM
            /// operation, `iam:` and its name.
            pub fn action(self) -> &'static str {
                match self {
                    $(Endpoint::$variant => concat!("iam:", stringify!($variant)),)+
                }
            }
        }

        /// Runs one operation and returns its XML response body.
        pub async fn dispatch(
            endpoint: Endpoint,
            iam: &Iam,
            ctx: &RequestContext,
            form: &QueryRequest,
        ) -> Result<Vec<u8>, ApiError> {
            let mut result = XmlWriter::new();
            let action = endpoint.action();
            let empty_result_element = match endpoint {
                $(Endpoint::$variant => {
                    run::<$module::$variant>(action, iam, ctx, form, &mut result).await?;
                    <$module::$variant as Operation>::EMPTY_RESULT_ELEMENT
                })+
            };
            let (service, name, id) = (AwsService::Iam, endpoint.name(), &ctx.request_id);
            Ok(if empty_result_element {
                query::response_with_empty_result(service, name, id, result)
            } else {
                query::response(service, name, id, result)
            })
        }

        /// Reads the operation's input from the form, and nothing more: the
        /// Query fuzz target's way into every operation's decoding.
        #[cfg(any(test, feature = "fuzzing"))]
        pub(crate) fn read_input(
            endpoint: Endpoint,
            ctx: &RequestContext,
            form: &QueryRequest,
        ) -> Result<(), ApiError> {
            match endpoint {
                $(Endpoint::$variant => {
                    <$module::$variant as Operation>::read(&form.fields(), ctx).map(drop)
                })+
            }
        }

        #[cfg(test)]
        const ALL: &[Endpoint] = &[$(Endpoint::$variant),+];
    };
}

endpoints! {
    // Users
    CreateUser => create_user,
    GetUser => get_user,
    ListUsers => list_users,
    DeleteUser => delete_user,
    UpdateUser => update_user,
    TagUser => tag_user,
    UntagUser => untag_user,
    ListUserTags => list_user_tags,
    // Credentials Strongroom does not keep: empty, or NoSuchEntity
    ListMFADevices => list_mfa_devices,
    ListVirtualMFADevices => list_virtual_mfa_devices,
    ListSSHPublicKeys => list_ssh_public_keys,
    ListSigningCertificates => list_signing_certificates,
    ListServiceSpecificCredentials => list_service_specific_credentials,
    DeleteLoginProfile => delete_login_profile,
    // Groups
    CreateGroup => create_group,
    GetGroup => get_group,
    ListGroups => list_groups,
    UpdateGroup => update_group,
    DeleteGroup => delete_group,
    AddUserToGroup => add_user_to_group,
    RemoveUserFromGroup => remove_user_from_group,
    ListGroupsForUser => list_groups_for_user,
    // Roles
    CreateRole => create_role,
    GetRole => get_role,
    ListRoles => list_roles,
    DeleteRole => delete_role,
    UpdateAssumeRolePolicy => update_assume_role_policy,
    UpdateRole => update_role,
    UpdateRoleDescription => update_role_description,
    ListInstanceProfilesForRole => list_instance_profiles_for_role,
    TagRole => tag_role,
    UntagRole => untag_role,
    ListRoleTags => list_role_tags,
    // Access keys
    CreateAccessKey => create_access_key,
    ListAccessKeys => list_access_keys,
    UpdateAccessKey => update_access_key,
    DeleteAccessKey => delete_access_key,
    GetAccessKeyLastUsed => get_access_key_last_used,
    // Inline policies
    PutUserPolicy => put_user_policy,
    GetUserPolicy => get_user_policy,
    DeleteUserPolicy => delete_user_policy,
    ListUserPolicies => list_user_policies,
    PutGroupPolicy => put_group_policy,
    GetGroupPolicy => get_group_policy,
    DeleteGroupPolicy => delete_group_policy,
    ListGroupPolicies => list_group_policies,
    PutRolePolicy => put_role_policy,
    GetRolePolicy => get_role_policy,
    DeleteRolePolicy => delete_role_policy,
    ListRolePolicies => list_role_policies,
    // Managed policies
    CreatePolicy => create_policy,
    GetPolicy => get_policy,
    GetPolicyVersion => get_policy_version,
    ListPolicies => list_policies,
    DeletePolicy => delete_policy,
    CreatePolicyVersion => create_policy_version,
    SetDefaultPolicyVersion => set_default_policy_version,
    ListPolicyVersions => list_policy_versions,
    DeletePolicyVersion => delete_policy_version,
    TagPolicy => tag_policy,
    UntagPolicy => untag_policy,
    ListPolicyTags => list_policy_tags,
    // Attached managed policies
    AttachUserPolicy => attach_user_policy,
    DetachUserPolicy => detach_user_policy,
    ListAttachedUserPolicies => list_attached_user_policies,
    AttachGroupPolicy => attach_group_policy,
    DetachGroupPolicy => detach_group_policy,
    ListAttachedGroupPolicies => list_attached_group_policies,
    AttachRolePolicy => attach_role_policy,
    DetachRolePolicy => detach_role_policy,
    ListAttachedRolePolicies => list_attached_role_policies,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(ALL.len(), 71);
        for endpoint in ALL {
            assert_eq!(Endpoint::from_name(endpoint.name()), Some(*endpoint));
            assert_eq!(endpoint.action(), format!("iam:{}", endpoint.name()));
        }
        assert_eq!(Endpoint::from_name("createuser"), None);
        // Not implemented: unknown, so InvalidAction.
        assert_eq!(Endpoint::from_name("CreateLoginProfile"), None);
        assert_eq!(Endpoint::from_name("ListEntitiesForPolicy"), None);
        assert_eq!(Endpoint::from_name("GetCallerIdentity"), None);
    }

    #[test]
    fn entity_arns_split_into_path_and_name() {
        assert_eq!(
            path_and_name("arn:aws:iam::123456789012:user/eng/web/Bob"),
            ("/eng/web/", "Bob")
        );
        assert_eq!(
            path_and_name("arn:aws:iam::123456789012:group/ops"),
            ("/", "ops")
        );
        assert_eq!(path_and_name("*"), ("/", "*"));
    }
}
