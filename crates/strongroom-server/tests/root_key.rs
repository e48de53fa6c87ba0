//! The root key against the real binary: a key file others can read is
//! refused, and servers started at once on one fresh data directory end up
//! with one key (the one on disk is the one that encrypted the data).

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;

/// `strongroom serve` on `data_dir`, stdout piped, stderr to `log`.
fn spawn_server(data_dir: &Path, log: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_strongroom"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--account-id",
            ACCOUNT_ID,
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).expect("create log"))
        .spawn()
        .expect("spawn the strongroom binary")
}

/// What a started server printed: its endpoint and, on a first start, keys.
struct Started {
    endpoint: Option<String>,
    keys: Option<(String, String)>,
}

/// Reads `child`'s stdout until it listens or exits.
fn wait_started(child: &mut Child) -> Started {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut out = Started {
        endpoint: None,
        keys: None,
    };
    let (mut ak, mut sk) = (None, None);
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if let Some(v) = line.strip_prefix("export AWS_ACCESS_KEY_ID=") {
            ak = Some(v.to_owned());
        } else if let Some(v) = line.strip_prefix("export AWS_SECRET_ACCESS_KEY=") {
            sk = Some(v.to_owned());
        } else if let Some(url) = line.strip_prefix("strongroom listening on ") {
            out.endpoint = Some(url.trim().to_owned());
            break;
        }
    }
    out.keys = ak.zip(sk);
    out
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + SHUTDOWN_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn terminate(child: &mut Child) {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    wait_exit(child);
}

#[cfg(unix)]
#[test]
fn a_root_key_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let mut sr = Strongroom::start();
    sr.stop();
    let key = sr.data_dir().join("root.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let log = sr.data_dir().with_file_name("refused.log");
    let mut child = spawn_server(&sr.data_dir(), &log);
    let started = wait_started(&mut child);
    let status = wait_exit(&mut child);
    assert!(
        started.endpoint.is_none(),
        "a server started on a 0640 root key"
    );
    assert!(!status.success());
    let stderr = std::fs::read_to_string(&log).expect("read log");
    assert!(
        stderr.contains("root.key") && stderr.contains("mode 640") && stderr.contains("chmod 600"),
        "{stderr}"
    );
    // Put right, the same key serves again.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    sr.restart();
}

#[tokio::test(flavor = "multi_thread")]
async fn servers_started_at_once_share_one_root_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut children: Vec<Child> = (0..4)
        .map(|i| spawn_server(&data, &dir.path().join(format!("start-{i}.log"))))
        .collect();
    let started: Vec<Started> = children.iter_mut().map(wait_started).collect();
    let winners: Vec<usize> = (0..4).filter(|i| started[*i].endpoint.is_some()).collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one server holds the data directory"
    );
    let w = winners[0];
    for (i, child) in children.iter_mut().enumerate().filter(|(i, _)| *i != w) {
        assert!(
            !wait_exit(child).success(),
            "server {i} should have stopped"
        );
        let log = std::fs::read_to_string(dir.path().join(format!("start-{i}.log"))).unwrap();
        assert!(log.contains("another process"), "server {i}: {log}");
    }
    let (ak, sk) = started[w]
        .keys
        .clone()
        .expect("the first start prints keys");
    let endpoint = started[w].endpoint.clone().expect("endpoint");
    let client = sdk_client(&endpoint, REGION, &ak, &sk);
    let name = unique("root-key");
    ok(
        client
            .create_secret()
            .name(&name)
            .secret_string("sealed under the one root key")
            .send()
            .await,
        "CreateSecret",
    );
    terminate(&mut children[w]);

    // Started again, the server opens what the winner sealed: the key on
    // disk is the key it used.
    let mut again = spawn_server(&data, &dir.path().join("again.log"));
    let endpoint = wait_started(&mut again).endpoint.expect("restarts");
    let client = sdk_client(&endpoint, REGION, &ak, &sk);
    let got = ok(
        client.get_secret_value().secret_id(&name).send().await,
        "GetSecretValue",
    );
    assert_eq!(got.secret_string(), Some("sealed under the one root key"));
    terminate(&mut again);
}
