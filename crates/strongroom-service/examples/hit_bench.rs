//! The cost of a GetSecretValue answered from the read cache, in process
//! (no HTTP, no signature): `cargo run --release -p strongroom-service
//! --example hit_bench`. One thread, 1,000 secrets read round robin.
//! `HIT_PUTS=1`: the cost of a PutSecretValue and of the read it makes miss.

use std::sync::Arc;
use std::time::Instant;
use strongroom_crypto::{Key256, RootKey};
use strongroom_domain::{SecretValue, Timestamp};
use strongroom_service::{
    CreateSecretInput, GetSecretValueInput, RequestContext, Service, SystemClock,
};
use strongroom_store::Store;
use strongroom_store::sqlite::SqliteStore;

const SECRETS: usize = 1_000;
/// Reads per round (3 rounds); `HIT_READS` overrides it (say, for
/// counting instructions under `valgrind --tool=cachegrind`).
fn reads() -> usize {
    std::env::var("HIT_READS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500_000)
}

fn admin() -> RequestContext {
    strongroom_service::testing::admin("us-east-1", Timestamp(0))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("open"));
    let root = RootKey(Key256::generate().expect("key"));
    let service = Service::new(store, root, Arc::new(SystemClock));
    let ctx = admin();
    for i in 0..SECRETS {
        service
            .create_secret(
                &ctx,
                CreateSecretInput {
                    name: format!("hit/{i}"),
                    client_request_token: Some(format!("{i:0>36}")),
                    value: Some(SecretValue::String("v".repeat(256))),
                    ..Default::default()
                },
            )
            .await
            .expect("create");
    }
    let inputs: Vec<GetSecretValueInput> = (0..SECRETS)
        .map(|i| GetSecretValueInput {
            secret_id: format!("hit/{i}"),
            ..Default::default()
        })
        .collect();
    // Fill the cache, with the day's LastAccessedDate written (the server's
    // background task does this every second).
    for _ in 0..2 {
        for input in &inputs {
            service.get_secret_value(&ctx, input).await.expect("get");
        }
        service.flush_accesses().await.expect("flush");
    }
    let reads = reads();
    if std::env::var_os("HIT_PUTS").is_some() {
        // The write path instead: per step, a PutSecretValue and the
        // GetSecretValue that follows it (a miss, since the put invalidated
        // the secret); accesses written every 100 steps.
        let started = Instant::now();
        for n in 0..reads {
            let i = n % SECRETS;
            let put = strongroom_service::PutSecretValueInput {
                secret_id: format!("hit/{i}"),
                client_request_token: Some(format!("p{n:0>35}")),
                value: Some(SecretValue::String("w".repeat(256))),
                ..Default::default()
            };
            service.put_secret_value(&ctx, put).await.expect("put");
            service
                .get_secret_value(&ctx, &inputs[i])
                .await
                .expect("get");
            if n % 100 == 99 {
                service.flush_accesses().await.expect("flush");
            }
        }
        let per = started.elapsed().as_nanos() as f64 / reads.max(1) as f64;
        println!("{per:.0} ns per PutSecretValue and the GetSecretValue after it");
        return;
    }
    for round in 0..3 {
        let started = Instant::now();
        for n in 0..reads {
            let input = &inputs[n % SECRETS];
            // A context per request, as the server builds one.
            let request = RequestContext {
                resources: Default::default(),
                ..ctx.clone()
            };
            std::hint::black_box(
                service
                    .get_secret_value(&request, input)
                    .await
                    .expect("get"),
            );
        }
        let per = started.elapsed().as_nanos() as f64 / reads.max(1) as f64;
        println!("round {round}: {per:.0} ns per cached GetSecretValue");
    }
}
