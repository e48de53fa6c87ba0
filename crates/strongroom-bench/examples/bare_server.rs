//! Calibration: a bare HTTP server that answers every request with 200 and a
//! fixed 1 KiB JSON body. Running strongroom-bench against it measures the
//! ceiling of this machine and generator, to put Strongroom's figures in
//! proportion:
//!
//!     cargo run --release -p strongroom-bench --example bare_server -- 127.0.0.1:4700
//!     target/release/strongroom-bench --endpoint http://127.0.0.1:4700 --ops get --no-cleanup \
//!         --access-key x --secret-key y
use std::convert::Infallible;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:4700".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("bare server listening on http://{}", listener.local_addr()?);
    let body = bytes::Bytes::from(format!("{{\"Pad\":\"{}\"}}", "x".repeat(1013)));
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let body = body.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |_req: http::Request<hyper::body::Incoming>| {
                    let body = body.clone();
                    async move {
                        Ok::<_, Infallible>(http::Response::new(http_body_util::Full::new(body)))
                    }
                });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}
