//! The HTTP listener: an explicit accept loop serving HTTP/1.1 and HTTP/2
//! (h2c by prior knowledge, or either by ALPN over TLS) through hyper-util's
//! auto builder, with the limits that keep clients that never authenticate
//! from exhausting the server:
//!
//! - a connection limit. At the limit, the connection idle the longest (no
//!   request in flight: a keep-alive, a slowloris, one that never sent a
//!   byte) is closed to make room; while every connection is busy, new
//!   ones wait in the kernel's listen backlog until one ends.
//! - a header timeout: a new connection must complete its TLS handshake and
//!   its first request's headers within it (HTTP/1.1: also every later
//!   request's headers, counted from the previous response);
//! - an idle timeout: a connection with no request in flight is closed
//!   after it;
//! - a maximum request head (HTTP/1.1 read buffer, HTTP/2 header list), a
//!   maximum number of headers, HTTP/2 stream and flow-control window
//!   limits.
//!
//! The body's limits (deadline, size, buffered-bytes budget) are the
//! pipeline's (`strongroom_api::BodyLimits`): a body is read only once its
//! request's headers authenticated.
//!
//! Shutdown: once `shutdown` is cancelled no connection is accepted, every
//! connection is asked to finish gracefully (in-flight requests complete,
//! HTTP/2 gets GOAWAY), and [`serve`] returns when all are closed.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use strongroom_api::SecureTransport;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, sleep, sleep_until};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// The listener's limits (`strongroom serve` flags).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections served at once.
    pub max_connections: usize,
    /// From accept to the first request's headers (TLS handshake included).
    pub header_timeout: Duration,
    /// A connection without a request in flight is closed after this.
    pub idle_timeout: Duration,
    /// Largest request head, in bytes (at least 8192, hyper's minimum).
    pub max_header_bytes: u32,
    /// Most headers in one HTTP/1.1 request.
    pub max_headers: usize,
    /// HTTP/2 concurrent streams per connection.
    pub h2_max_streams: u32,
    /// HTTP/2 flow-control window per stream.
    pub h2_stream_window: u32,
    /// HTTP/2 flow-control window per connection.
    pub h2_connection_window: u32,
}

/// How often a new connection waiting for a slot looks for an idle one to
/// close again (while every connection is busy).
const SLOT_RETRY: Duration = Duration::from_millis(100);
/// How long accepting pauses after an error (such as too many open files).
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// Serves `app` on `listener` until `shutdown`, then drains connections.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let builder = Arc::new(builder(&limits));
    let registry = Arc::new(Registry::default());
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let limits = Arc::new(limits);
    let connections = TaskTracker::new();
    loop {
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    sleep(ACCEPT_RETRY).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        let Some(slot) = slot(&slots, &registry, &shutdown).await else {
            break;
        };
        let _ = tcp.set_nodelay(true);
        let conn = registry.open();
        connections.spawn(connection(Connection {
            tcp,
            remote,
            tls: tls.clone(),
            app: app.clone(),
            builder: builder.clone(),
            limits: limits.clone(),
            shutdown: shutdown.clone(),
            registry: registry.clone(),
            conn,
            _slot: slot,
        }));
    }
    drop(listener);
    connections.close();
    let open = connections.len();
    if open > 0 {
        tracing::info!(connections = open, "waiting for open connections to finish");
    }
    connections.wait().await;
}

/// hyper's builder with the limits.
fn builder(limits: &Limits) -> Builder<TokioExecutor> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .header_read_timeout(limits.header_timeout)
        // The read buffer bounds the request head; hyper needs 8 KiB.
        .max_buf_size((limits.max_header_bytes as usize).max(8192))
        .max_headers(limits.max_headers);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(limits.h2_max_streams)
        .initial_stream_window_size(limits.h2_stream_window)
        .initial_connection_window_size(limits.h2_connection_window)
        .adaptive_window(false)
        .max_header_list_size(limits.max_header_bytes);
    builder
}

/// A connection slot. At the limit, the connection idle the longest is
/// closed to make room; while every connection is busy this waits (and the
/// connections behind this one wait in the listen backlog). `None` once
/// shutting down.
async fn slot(
    slots: &Arc<Semaphore>,
    registry: &Registry,
    shutdown: &CancellationToken,
) -> Option<OwnedSemaphorePermit> {
    loop {
        if let Ok(slot) = slots.clone().try_acquire_owned() {
            return Some(slot);
        }
        registry.evict_longest_idle();
        tokio::select! {
            slot = slots.clone().acquire_owned() => return slot.ok(),
            _ = sleep(SLOT_RETRY) => {}
            _ = shutdown.cancelled() => return None,
        }
    }
}

/// The open connections, for eviction.
#[derive(Default)]
struct Registry {
    next_id: AtomicU64,
    open: Mutex<BTreeMap<u64, Arc<ConnState>>>,
}

impl Registry {
    fn open(self: &Arc<Self>) -> Arc<ConnState> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(ConnState {
            id,
            active: AtomicUsize::new(0),
            idle_since: Mutex::new(Instant::now()),
            served: AtomicBool::new(false),
            went_idle: Notify::new(),
            evict: CancellationToken::new(),
        });
        if let Ok(mut open) = self.open.lock() {
            open.insert(id, conn.clone());
        }
        conn
    }

    fn close(&self, id: u64) {
        if let Ok(mut open) = self.open.lock() {
            open.remove(&id);
        }
    }

    /// Closes the connection that has had no request in flight for the
    /// longest time, if any; returns whether one was.
    fn evict_longest_idle(&self) -> bool {
        let Ok(open) = self.open.lock() else {
            return false;
        };
        let victim = open
            .values()
            .filter(|c| c.active.load(Ordering::Acquire) == 0 && !c.evict.is_cancelled())
            .min_by_key(|c| c.idle_since());
        match victim {
            Some(conn) => {
                conn.evict.cancel();
                true
            }
            None => false,
        }
    }
}

/// What the accept loop and a connection's requests share about it.
struct ConnState {
    id: u64,
    /// Requests being answered.
    active: AtomicUsize,
    /// When it was accepted or last finished answering.
    idle_since: Mutex<Instant>,
    /// Whether a request has come (the header timeout applies before).
    served: AtomicBool,
    /// Wakes the connection's watchdog when its last request is answered.
    went_idle: Notify,
    /// Cancelled to close it at once (it is idle, and a slot is needed).
    evict: CancellationToken,
}

impl ConnState {
    fn idle_since(&self) -> Instant {
        match self.idle_since.lock() {
            Ok(t) => *t,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    /// When the connection is to be closed for idleness (`None` while a
    /// request is in flight).
    fn idle_deadline(&self, limits: &Limits) -> Option<Instant> {
        if self.active.load(Ordering::Acquire) > 0 {
            return None;
        }
        let allowed = if self.served.load(Ordering::Acquire) {
            limits.idle_timeout
        } else {
            limits.header_timeout
        };
        Some(self.idle_since() + allowed)
    }
}

/// Counts a request in flight on its connection, until dropped.
struct InFlight(Arc<ConnState>);

impl InFlight {
    fn begin(conn: Arc<ConnState>) -> InFlight {
        conn.served.store(true, Ordering::Release);
        conn.active.fetch_add(1, Ordering::AcqRel);
        InFlight(conn)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut since) = self.0.idle_since.lock() {
            *since = Instant::now();
        }
        if self.0.active.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.went_idle.notify_one();
        }
    }
}

/// One connection's task and what it needs.
struct Connection {
    tcp: TcpStream,
    remote: SocketAddr,
    tls: Option<TlsAcceptor>,
    app: Router,
    builder: Arc<Builder<TokioExecutor>>,
    limits: Arc<Limits>,
    shutdown: CancellationToken,
    registry: Arc<Registry>,
    conn: Arc<ConnState>,
    /// Its place under the connection limit, given back when it ends.
    _slot: OwnedSemaphorePermit,
}

async fn connection(c: Connection) {
    let id = c.conn.id;
    let registry = c.registry.clone();
    match c.tls.clone() {
        None => {
            let io = TokioIo::new(c.tcp);
            drive(
                io,
                false,
                c.remote,
                &c.app,
                &c.builder,
                &c.conn,
                &c.limits,
                &c.shutdown,
            )
            .await;
        }
        Some(acceptor) => {
            let handshake = tokio::select! {
                done = tokio::time::timeout(c.limits.header_timeout, acceptor.accept(c.tcp)) => done,
                _ = c.conn.evict.cancelled() => { registry.close(id); return; }
                _ = c.shutdown.cancelled() => { registry.close(id); return; }
            };
            match handshake {
                Ok(Ok(stream)) => {
                    let io = TokioIo::new(stream);
                    drive(
                        io,
                        true,
                        c.remote,
                        &c.app,
                        &c.builder,
                        &c.conn,
                        &c.limits,
                        &c.shutdown,
                    )
                    .await;
                }
                Ok(Err(error)) => {
                    tracing::debug!(%error, remote = %c.remote, "TLS handshake failed")
                }
                Err(_) => tracing::debug!(remote = %c.remote, "TLS handshake timed out"),
            }
        }
    }
    registry.close(id);
}

/// Serves one connection until it ends, is closed for idleness or evicted,
/// or (at shutdown) has finished its requests.
#[allow(clippy::too_many_arguments)]
async fn drive<I>(
    io: I,
    tls: bool,
    remote: SocketAddr,
    app: &Router,
    builder: &Builder<TokioExecutor>,
    conn: &Arc<ConnState>,
    limits: &Limits,
    shutdown: &CancellationToken,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = ConnService {
        app: app.clone(),
        remote,
        tls,
        conn: conn.clone(),
    };
    let served = builder.serve_connection(io, service);
    tokio::pin!(served);
    let mut draining = false;
    loop {
        let idle_deadline = conn.idle_deadline(limits);
        tokio::select! {
            result = served.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, %remote, "connection ended with an error");
                }
                return;
            }
            _ = shutdown.cancelled(), if !draining => {
                served.as_mut().graceful_shutdown();
                draining = true;
            }
            // Dropping the connection closes it; nothing is in flight.
            _ = conn.evict.cancelled() => return,
            _ = sleep_until(idle_deadline.unwrap_or_else(far_future)), if idle_deadline.is_some() => {
                if conn.idle_deadline(limits).is_some_and(|d| d <= Instant::now()) {
                    return;
                }
            }
            _ = conn.went_idle.notified() => {}
        }
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400)
}

/// The app as a hyper service for one connection: each request carries the
/// peer's address and whether the connection is TLS.
#[derive(Clone)]
struct ConnService {
    app: Router,
    remote: SocketAddr,
    tls: bool,
    conn: Arc<ConnState>,
}

impl hyper::service::Service<http::Request<Incoming>> for ConnService {
    type Response = http::Response<axum::body::Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, mut request: http::Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(ConnectInfo(self.remote));
        request.extensions_mut().insert(SecureTransport(self.tls));
        let in_flight = InFlight::begin(self.conn.clone());
        let app = self.app.clone();
        Box::pin(async move {
            let response = app.oneshot(request).await;
            drop(in_flight);
            response
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_connections: 4,
            header_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(5),
            max_header_bytes: 16 << 10,
            max_headers: 100,
            h2_max_streams: 8,
            h2_stream_window: 64 << 10,
            h2_connection_window: 1 << 20,
        }
    }

    #[tokio::test]
    async fn eviction_picks_the_connection_idle_longest_and_never_a_busy_one() {
        let registry = Arc::new(Registry::default());
        let oldest = registry.open();
        let busy = registry.open();
        let newest = registry.open();
        let _in_flight = InFlight::begin(busy.clone());
        // `busy` was opened before `newest` but is answering a request.
        assert!(registry.evict_longest_idle());
        assert!(oldest.evict.is_cancelled());
        assert!(registry.evict_longest_idle());
        assert!(newest.evict.is_cancelled());
        assert!(
            !registry.evict_longest_idle(),
            "only a busy connection is left"
        );
        assert!(!busy.evict.is_cancelled());
        registry.close(oldest.id);
        registry.close(newest.id);
        assert_eq!(registry.open.lock().expect("lock").len(), 1);
    }

    #[tokio::test]
    async fn a_connection_that_answered_gets_the_idle_timeout() {
        let registry = Arc::new(Registry::default());
        let conn = registry.open();
        let limits = limits();
        let accepted = conn.idle_since();
        assert_eq!(
            conn.idle_deadline(&limits),
            Some(accepted + limits.header_timeout)
        );
        let in_flight = InFlight::begin(conn.clone());
        assert_eq!(conn.idle_deadline(&limits), None);
        drop(in_flight);
        let deadline = conn.idle_deadline(&limits).expect("idle");
        assert!(deadline >= accepted + limits.idle_timeout);
    }
}
