//! Process-level properties: data and credentials survive a SIGTERM restart,
//! nothing is stored in plaintext, and concurrent writers keep the staging
//! label invariants.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::primitives::Blob;
use aws_sdk_secretsmanager::types::{SecretVersionsListEntry, Tag};
use common::*;

async fn all_versions(client: &Client, id: &str) -> Vec<SecretVersionsListEntry> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..100 {
        let mut req = client
            .list_secret_version_ids()
            .secret_id(id)
            .include_deprecated(true)
            .max_results(100);
        if let Some(t) = &next {
            req = req.next_token(t);
        }
        let resp = ok(req.send().await, "ListSecretVersionIds");
        out.extend(resp.versions().iter().cloned());
        match resp.next_token() {
            Some(t) => next = Some(t.to_owned()),
            None => return out,
        }
    }
    panic!("ListSecretVersionIds paging did not terminate");
}

#[cfg(unix)]
fn assert_mode_0600(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("stat {path:?}: {e}"))
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "{path:?} must be mode 0600, is {:o}",
        mode & 0o777
    );
}

#[tokio::test]
async fn restart_keeps_data_and_credentials() {
    let mut sr = Strongroom::start();
    assert!(sr.printed_credentials, "first start prints credentials");
    let keys = sr.keys();
    assert!(
        keys.access_key.starts_with("AKIA"),
        "access key id {:?}",
        keys.access_key
    );
    assert!(!keys.secret_key.is_empty());

    let bin: Vec<u8> = vec![0, 159, 146, 150, 255, 1];
    let (text_arn, v1, v2, doomed_arn) = {
        let c = sr.client();
        let created = ok(
            c.create_secret()
                .name("persist/text")
                .description("survives restarts")
                .secret_string("first")
                .tags(Tag::builder().key("env").value("prod").build())
                .send()
                .await,
            "CreateSecret",
        );
        let put = ok(
            c.put_secret_value()
                .secret_id("persist/text")
                .secret_string("second")
                .send()
                .await,
            "PutSecretValue",
        );
        ok(
            c.create_secret()
                .name("persist/binary")
                .secret_binary(Blob::new(bin.clone()))
                .send()
                .await,
            "CreateSecret binary",
        );
        let doomed = ok(
            c.create_secret()
                .name("persist/doomed")
                .secret_string("bye")
                .send()
                .await,
            "CreateSecret doomed",
        );
        ok(
            c.delete_secret()
                .secret_id("persist/doomed")
                .recovery_window_in_days(7)
                .send()
                .await,
            "DeleteSecret",
        );
        ok(
            c.create_secret()
                .name("persist/forced")
                .secret_string("gone")
                .send()
                .await,
            "CreateSecret forced",
        );
        ok(
            c.delete_secret()
                .secret_id("persist/forced")
                .force_delete_without_recovery(true)
                .send()
                .await,
            "force DeleteSecret",
        );
        (
            created.arn().expect("ARN").to_owned(),
            created.version_id().expect("VersionId").to_owned(),
            put.version_id().expect("VersionId").to_owned(),
            doomed.arn().expect("ARN").to_owned(),
        )
    };

    let status = sr.stop();
    assert!(
        status.success(),
        "SIGTERM shutdown must exit cleanly, got {status}"
    );
    let data = sr.data_dir();
    assert!(
        data.join("strongroom.db").is_file(),
        "strongroom.db in the data dir"
    );
    assert!(data.join("root.key").is_file(), "root.key in the data dir");
    #[cfg(unix)]
    assert_mode_0600(&data.join("root.key"));

    sr.restart();
    assert!(
        !sr.printed_credentials,
        "credentials are printed on the first start only"
    );
    assert_eq!(sr.keys(), keys, "same credentials after restart");

    let c = sr.client();
    let g = ok(
        c.get_secret_value().secret_id("persist/text").send().await,
        "Get after restart",
    );
    assert_eq!(g.secret_string(), Some("second"));
    assert_eq!(g.arn(), Some(text_arn.as_str()));
    assert_eq!(g.version_id(), Some(v2.as_str()));
    let g = ok(
        c.get_secret_value()
            .secret_id(&text_arn)
            .version_stage("AWSPREVIOUS")
            .send()
            .await,
        "Get AWSPREVIOUS after restart",
    );
    assert_eq!(g.secret_string(), Some("first"));
    assert_eq!(g.version_id(), Some(v1.as_str()));

    let d = ok(
        c.describe_secret().secret_id("persist/text").send().await,
        "Describe",
    );
    assert_eq!(d.description(), Some("survives restarts"));
    assert_eq!(d.tags().len(), 1);
    assert_eq!(d.tags()[0].key(), Some("env"));
    assert_eq!(
        stage_map(d.version_ids_to_stages()),
        BTreeMap::from([
            (v1.clone(), set(["AWSPREVIOUS"])),
            (v2.clone(), set(["AWSCURRENT"]))
        ])
    );

    let g = ok(
        c.get_secret_value()
            .secret_id("persist/binary")
            .send()
            .await,
        "Get binary",
    );
    assert_eq!(g.secret_binary().map(|b| b.as_ref().to_vec()), Some(bin));

    let d = ok(
        c.describe_secret().secret_id("persist/doomed").send().await,
        "Describe doomed",
    );
    assert!(
        d.deleted_date().is_some(),
        "scheduled deletion survives restart"
    );
    expect_error(
        c.get_secret_value()
            .secret_id("persist/doomed")
            .send()
            .await,
        "InvalidRequestException",
        MSG_MARKED_FOR_DELETION,
    );
    ok(
        c.restore_secret().secret_id(&doomed_arn).send().await,
        "RestoreSecret",
    );
    let g = ok(
        c.get_secret_value()
            .secret_id("persist/doomed")
            .send()
            .await,
        "Get restored",
    );
    assert_eq!(g.secret_string(), Some("bye"));

    expect_code(
        c.describe_secret().secret_id("persist/forced").send().await,
        "ResourceNotFoundException",
    );

    // Writes keep working after the restart.
    ok(
        c.put_secret_value()
            .secret_id("persist/text")
            .secret_string("third")
            .send()
            .await,
        "Put after restart",
    );
    let g = ok(
        c.get_secret_value().secret_id("persist/text").send().await,
        "Get",
    );
    assert_eq!(g.secret_string(), Some("third"));

    // Unknown credentials are still rejected after a restart.
    let stranger = sdk_client(
        &sr.endpoint,
        REGION,
        "AKIAIOSFODNN7EXAMPLE",
        "not-the-secret",
    );
    expect_code(
        stranger.list_secrets().send().await,
        "UnrecognizedClientException",
    );
}

#[tokio::test]
async fn no_plaintext_at_rest() {
    let mut sr = Strongroom::start();
    let marker = |what: &str| format!("PLAINTEXT-{what}-{}", random_hex(24));
    let created_marker = marker("create");
    let put_marker = marker("put");
    let update_marker = marker("update");
    let stage_marker = marker("stage");
    let forced_marker = marker("forced");
    let bin_marker = marker("binary");
    let mut binary = vec![0u8, 0xff, 0x10];
    binary.extend_from_slice(bin_marker.as_bytes());
    binary.extend_from_slice(&[0xfe, 0x00]);

    let json_value = format!("{{\"username\":\"admin\",\"password\":\"{created_marker}\"}}");
    {
        let c = sr.client();
        ok(
            c.create_secret()
                .name("atrest/json")
                .secret_string(&json_value)
                .send()
                .await,
            "CreateSecret",
        );
        ok(
            c.put_secret_value()
                .secret_id("atrest/json")
                .secret_string(&put_marker)
                .send()
                .await,
            "PutSecretValue",
        );
        ok(
            c.update_secret()
                .secret_id("atrest/json")
                .secret_string(&update_marker)
                .send()
                .await,
            "UpdateSecret",
        );
        ok(
            c.put_secret_value()
                .secret_id("atrest/json")
                .secret_string(&stage_marker)
                .version_stages("custom")
                .send()
                .await,
            "PutSecretValue custom stage",
        );
        ok(
            c.create_secret()
                .name("atrest/binary")
                .secret_binary(Blob::new(binary.clone()))
                .send()
                .await,
            "CreateSecret binary",
        );
        ok(
            c.create_secret()
                .name("atrest/forced")
                .secret_string(&forced_marker)
                .send()
                .await,
            "CreateSecret forced",
        );
        // Read everything back (exercises the decrypt paths) before deleting.
        for id in ["atrest/json", "atrest/binary", "atrest/forced"] {
            ok(
                c.get_secret_value().secret_id(id).send().await,
                "GetSecretValue",
            );
        }
        let b = ok(
            c.batch_get_secret_value()
                .secret_id_list("atrest/json")
                .secret_id_list("atrest/binary")
                .send()
                .await,
            "BatchGetSecretValue",
        );
        assert_eq!(b.secret_values().len(), 2);
        ok(
            c.delete_secret()
                .secret_id("atrest/forced")
                .force_delete_without_recovery(true)
                .send()
                .await,
            "force DeleteSecret",
        );
    }
    let status = sr.stop();
    assert!(
        status.success(),
        "SIGTERM shutdown must exit cleanly, got {status}"
    );

    let needles: Vec<(String, Vec<u8>)> = vec![
        ("create marker".into(), created_marker.clone().into_bytes()),
        (
            "create value base64".into(),
            base64(json_value.as_bytes()).into_bytes(),
        ),
        ("put marker".into(), put_marker.clone().into_bytes()),
        (
            "put value base64".into(),
            base64(put_marker.as_bytes()).into_bytes(),
        ),
        ("update marker".into(), update_marker.clone().into_bytes()),
        (
            "custom-stage marker".into(),
            stage_marker.clone().into_bytes(),
        ),
        (
            "force-deleted marker".into(),
            forced_marker.clone().into_bytes(),
        ),
        ("binary marker".into(), bin_marker.clone().into_bytes()),
        ("binary value".into(), binary.clone()),
        ("binary value base64".into(), base64(&binary).into_bytes()),
    ];

    let data = sr.data_dir();
    let files = files_under(&data);
    assert!(
        files
            .iter()
            .any(|p| p.file_name().is_some_and(|n| n == "strongroom.db")),
        "strongroom.db missing from {files:?}"
    );
    let db_len = std::fs::metadata(data.join("strongroom.db"))
        .expect("stat db")
        .len();
    assert!(db_len > 0, "strongroom.db is empty");
    #[cfg(unix)]
    assert_mode_0600(&data.join("root.key"));

    // Every file in the data dir, plus the server's own logs.
    let mut scanned = files.clone();
    scanned.extend(sr.log_paths());
    for path in &scanned {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {path:?}: {e}"));
        for (what, needle) in &needles {
            assert!(
                !contains_bytes(&bytes, needle),
                "{what} found in plaintext in {path:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_puts_keep_label_invariants() {
    const TASKS: usize = 8;
    const PUTS: usize = 10;
    let sr = Strongroom::start();
    let c = sr.client();
    let name = "concurrent/secret";
    let created = ok(
        c.create_secret()
            .name(name)
            .secret_string("initial")
            .send()
            .await,
        "CreateSecret",
    );
    let initial_version = created.version_id().expect("VersionId").to_owned();

    let mut handles = Vec::new();
    for t in 0..TASKS {
        let c = c.clone();
        handles.push(tokio::spawn(async move {
            let mut written = Vec::new();
            for i in 0..PUTS {
                let value = format!("value-{t}-{i}");
                let out = match c
                    .put_secret_value()
                    .secret_id(name)
                    .secret_string(&value)
                    .send()
                    .await
                {
                    Ok(out) => out,
                    Err(e) => panic!("concurrent PutSecretValue {t}/{i} failed: {e:?}"),
                };
                let id = out
                    .version_id()
                    .expect("PutSecretValue.VersionId")
                    .to_owned();
                written.push((id, value));
            }
            written
        }));
    }
    let mut written: BTreeMap<String, String> = BTreeMap::new();
    for h in handles {
        for (id, value) in h.await.expect("put task panicked") {
            assert!(
                written.insert(id.clone(), value).is_none(),
                "VersionId {id} returned twice"
            );
        }
    }
    assert_eq!(written.len(), TASKS * PUTS);

    let versions = all_versions(&c, name).await;
    let ids: BTreeSet<String> = versions
        .iter()
        .map(|v| v.version_id().expect("VersionId").to_owned())
        .collect();
    assert_eq!(
        versions.len(),
        1 + TASKS * PUTS,
        "every version kept (IncludeDeprecated)"
    );
    assert_eq!(ids.len(), versions.len(), "no duplicate versions listed");
    let mut expected: BTreeSet<String> = written.keys().cloned().collect();
    expected.insert(initial_version.clone());
    assert_eq!(ids, expected);

    let holders = |stage: &str| -> Vec<String> {
        versions
            .iter()
            .filter(|v| v.version_stages().iter().any(|s| s == stage))
            .map(|v| v.version_id().expect("VersionId").to_owned())
            .collect()
    };
    let current = holders("AWSCURRENT");
    let previous = holders("AWSPREVIOUS");
    assert_eq!(current.len(), 1, "exactly one AWSCURRENT, got {current:?}");
    assert_eq!(
        previous.len(),
        1,
        "exactly one AWSPREVIOUS, got {previous:?}"
    );
    assert_ne!(current[0], previous[0]);
    assert_ne!(
        current[0], initial_version,
        "the initial version cannot still be current"
    );
    let labelled = versions
        .iter()
        .filter(|v| !v.version_stages().is_empty())
        .count();
    assert_eq!(
        labelled, 2,
        "only the current and previous versions carry labels"
    );

    let d = ok(
        c.describe_secret().secret_id(name).send().await,
        "DescribeSecret",
    );
    assert_eq!(
        stage_map(d.version_ids_to_stages()),
        BTreeMap::from([
            (current[0].clone(), set(["AWSCURRENT"])),
            (previous[0].clone(), set(["AWSPREVIOUS"])),
        ]),
        "DescribeSecret agrees with ListSecretVersionIds"
    );

    let g = ok(
        c.get_secret_value().secret_id(name).send().await,
        "GetSecretValue",
    );
    assert_eq!(g.version_id(), Some(current[0].as_str()));
    let value = g.secret_string().expect("SecretString");
    assert_eq!(
        written.get(&current[0]).map(String::as_str),
        Some(value),
        "AWSCURRENT holds the value written under its VersionId"
    );

    let g = ok(
        c.get_secret_value()
            .secret_id(name)
            .version_stage("AWSPREVIOUS")
            .send()
            .await,
        "GetSecretValue AWSPREVIOUS",
    );
    assert_eq!(g.version_id(), Some(previous[0].as_str()));
    assert_eq!(
        written.get(&previous[0]).map(String::as_str),
        g.secret_string(),
        "AWSPREVIOUS holds the value written under its VersionId"
    );
}

/// A server whose log pipe was closed (its log shipper went away) keeps
/// serving and still shuts down cleanly on SIGTERM: writing a log line must
/// never panic the task that logs it.
#[tokio::test]
async fn a_closed_log_pipe_does_not_break_serving_or_shutdown() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_strongroom"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--account-id",
            "123456789012",
            "--data-dir",
        ])
        .arg(dir.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn strongroom");
    // Close the log pipe before the server has finished starting.
    drop(child.stderr.take());
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let (mut access_key, mut secret_key, mut endpoint) =
        (String::new(), String::new(), String::new());
    for line in lines.by_ref() {
        let line = line.expect("read stdout");
        if let Some(v) = line.strip_prefix("export AWS_ACCESS_KEY_ID=") {
            access_key = v.to_owned();
        } else if let Some(v) = line.strip_prefix("export AWS_SECRET_ACCESS_KEY=") {
            secret_key = v.to_owned();
        } else if let Some(v) = line.strip_prefix("strongroom listening on ") {
            endpoint = v.to_owned();
            break;
        }
    }
    assert!(!endpoint.is_empty(), "server did not start");
    let client = sdk_client(&endpoint, "us-east-1", &access_key, &secret_key);
    // Rejected requests are logged: each would be a write to the dead pipe.
    for _ in 0..3 {
        expect_code(
            client.describe_secret().secret_id("nope").send().await,
            "ResourceNotFoundException",
        );
    }
    let name = unique("pipe");
    ok(
        client
            .create_secret()
            .name(&name)
            .secret_string("v")
            .send()
            .await,
        "create",
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "server did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit status {exit:?}");
}
