//! What Strongroom does not keep: ListMFADevices, ListVirtualMFADevices,
//! ListSSHPublicKeys, ListSigningCertificates, ListServiceSpecificCredentials,
//! ListInstanceProfilesForRole (empty for an entity that exists,
//! NoSuchEntity otherwise) and DeleteLoginProfile (always NoSuchEntity).

mod common;

use common::*;
use strongroom_iam::*;

async fn user(env: &Env, name: &str) {
    env.iam
        .create_user(
            ACCOUNT,
            CreateUserInput {
                user_name: name.into(),
                ..Default::default()
            },
        )
        .await
        .expect("user");
}

fn of(user: &str) -> ListUserCredentialsInput {
    ListUserCredentialsInput {
        user_name: user.into(),
        ..Default::default()
    }
}

fn service_credentials_of(user: &str) -> ListServiceSpecificCredentialsInput {
    ListServiceSpecificCredentialsInput {
        user_name: user.into(),
        ..Default::default()
    }
}

#[track_caller]
fn assert_empty(page: Result<Page<Absent>, IamError>) {
    let page = page.expect("an empty page");
    assert!(page.items.is_empty());
    assert!(!page.is_truncated);
    assert_eq!(page.marker, None);
}

#[tokio::test]
async fn a_users_credential_lists_are_empty() {
    let env = env().await;
    user(&env, "bob").await;
    // Names ignore case, as everywhere.
    assert_empty(env.iam.list_mfa_devices(ACCOUNT, of("BOB")).await);
    assert_empty(env.iam.list_ssh_public_keys(ACCOUNT, of("bob")).await);
    assert_empty(env.iam.list_signing_certificates(ACCOUNT, of("bob")).await);
    assert_empty(
        env.iam
            .list_service_specific_credentials(ACCOUNT, service_credentials_of("bob"))
            .await,
    );
    assert_empty(
        env.iam
            .list_service_specific_credentials(
                ACCOUNT,
                ListServiceSpecificCredentialsInput {
                    service_name: Some("codecommit.amazonaws.com".into()),
                    marker: Some("anything".into()),
                    max_items: Some(1),
                    ..service_credentials_of("bob")
                },
            )
            .await,
    );
    for status in [None, Some("Assigned"), Some("Unassigned"), Some("Any")] {
        assert_empty(
            env.iam
                .list_virtual_mfa_devices(
                    ACCOUNT,
                    ListVirtualMfaDevicesInput {
                        assignment_status: status.map(Into::into),
                        ..Default::default()
                    },
                )
                .await,
        );
    }
}

#[tokio::test]
async fn credential_lists_of_missing_users_and_bad_input_are_refused() {
    let env = env().await;
    user(&env, "bob").await;
    let missing = "The user with name nobody cannot be found.";
    assert_iam_error(
        env.iam.list_mfa_devices(ACCOUNT, of("nobody")).await,
        "NoSuchEntity",
        missing,
    );
    assert_iam_error(
        env.iam.list_ssh_public_keys(ACCOUNT, of("nobody")).await,
        "NoSuchEntity",
        missing,
    );
    assert_iam_error(
        env.iam
            .list_signing_certificates(ACCOUNT, of("nobody"))
            .await,
        "NoSuchEntity",
        missing,
    );
    assert_iam_error(
        env.iam
            .list_service_specific_credentials(ACCOUNT, service_credentials_of("nobody"))
            .await,
        "NoSuchEntity",
        missing,
    );
    // Another account's user of that name is not this account's.
    assert_iam_error(
        env.iam.list_mfa_devices(OTHER, of("bob")).await,
        "NoSuchEntity",
        "The user with name bob cannot be found.",
    );
    // The model's shapes: userNameType (64) for SSH keys and service
    // credentials, existingUserNameType (128) for MFA devices and
    // certificates.
    let long = "u".repeat(65);
    assert_iam_error(
        env.iam.list_ssh_public_keys(ACCOUNT, of(&long)).await,
        "ValidationError",
        &format!(
            "1 validation error detected: Value '{long}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"
        ),
    );
    assert_iam_error(
        env.iam.list_mfa_devices(ACCOUNT, of(&long)).await,
        "NoSuchEntity",
        &format!("The user with name {long} cannot be found."),
    );
    assert_iam_error(
        env.iam
            .list_signing_certificates(
                ACCOUNT,
                ListUserCredentialsInput {
                    max_items: Some(1001),
                    ..of("bob")
                },
            )
            .await,
        "ValidationError",
        "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
    assert_iam_error(
        env.iam
            .list_virtual_mfa_devices(
                ACCOUNT,
                ListVirtualMfaDevicesInput {
                    assignment_status: Some("assigned".into()),
                    ..Default::default()
                },
            )
            .await,
        "ValidationError",
        "1 validation error detected: Value 'assigned' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [Assigned, Unassigned, Any]",
    );
}

#[tokio::test]
async fn delete_login_profile_finds_none() {
    let env = env().await;
    user(&env, "Bob").await;
    let delete = |name: &str| DeleteLoginProfileInput {
        user_name: name.into(),
    };
    assert_iam_error(
        env.iam.delete_login_profile(ACCOUNT, delete("bob")).await,
        "NoSuchEntity",
        "Login Profile for User Bob cannot be found.",
    );
    assert_iam_error(
        env.iam
            .delete_login_profile(ACCOUNT, delete("nobody"))
            .await,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    );
    assert_iam_error(
        env.iam.delete_login_profile(ACCOUNT, delete("a b")).await,
        "ValidationError",
        "1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
    // The user is still there and can be deleted as before.
    env.iam
        .delete_user(
            ACCOUNT,
            DeleteUserInput {
                user_name: "bob".into(),
            },
        )
        .await
        .expect("delete user");
}

#[tokio::test]
async fn a_roles_instance_profiles_are_empty() {
    let env = env().await;
    env.iam
        .create_role(
            ACCOUNT,
            CreateRoleInput {
                role_name: "deployer".into(),
                assume_role_policy_document: TRUST_ACCOUNT.into(),
                ..Default::default()
            },
        )
        .await
        .expect("role");
    let of_role = |name: &str| ListInstanceProfilesForRoleInput {
        role_name: name.into(),
        ..Default::default()
    };
    assert_empty(
        env.iam
            .list_instance_profiles_for_role(ACCOUNT, of_role("Deployer"))
            .await,
    );
    assert_iam_error(
        env.iam
            .list_instance_profiles_for_role(ACCOUNT, of_role("nobody"))
            .await,
        "NoSuchEntity",
        "The role with name nobody cannot be found.",
    );
    assert_iam_error(
        env.iam
            .list_instance_profiles_for_role(OTHER, of_role("deployer"))
            .await,
        "NoSuchEntity",
        "The role with name deployer cannot be found.",
    );
    assert_iam_error(
        env.iam
            .list_instance_profiles_for_role(
                ACCOUNT,
                ListInstanceProfilesForRoleInput {
                    marker: Some(String::new()),
                    ..of_role("deployer")
                },
            )
            .await,
        "ValidationError",
        "1 validation error detected: Value '' at 'marker' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
}
