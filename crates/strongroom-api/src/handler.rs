//! The HTTP entry point and the one request pipeline every service and
//! operation goes through:
//!
//! SigV4 from the headers (key, date, scope) → body (streamed, hashed,
//! bounded) → signature (principal, region) → route (service, operation) →
//! [`RequestContext`] → the operation's handler, whose service function
//! resolves the resource, authorizes and applies → [`Recorder`] (the
//! request log and the audit trail; the answer waits for its record to be
//! durable) → response.
//!
//! The request's [`Protocol`] (JSON 1.1 or Query), known from its headers
//! before anything else, decides how the service is found (`X-Amz-Target`
//! or the credential scope), how the body is decoded, and how answers and
//! errors are written; the steps themselves are the same for both.

use crate::audit::event::read_only;
use crate::authn::Authenticator;
use crate::body::{self, BodyLimits, MAX_BODY_BYTES};
use crate::protocol::Protocol;
use crate::protocol::query::QueryRequest;
use crate::record::{CallRecord, Recorder, RequestBody};
use crate::route::{AwsService, Route};
use crate::{ApiError, cloudtrail, iam, kms, probe, secretsmanager, sts};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::routing::get;
use futures_util::FutureExt;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use std::net::{IpAddr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;
use strongroom_domain::Timestamp;
use strongroom_service::{Clock, Principal, RequestContext, Service};

/// What every request handler shares.
pub struct AppState {
    pub service: Arc<Service>,
    /// IAM and STS use cases (principals, policies, keys, sessions).
    pub iam: Arc<strongroom_iam::Iam>,
    pub auth: Arc<Authenticator>,
    pub clock: Arc<dyn Clock>,
    pub recorder: Arc<dyn Recorder>,
    /// The audit trail LookupEvents reads; `None` with `--audit-log off`.
    pub trail: Option<Arc<strongroom_trail::Trail>>,
    /// Every call's task: shutdown waits for them (a call whose client went
    /// away still commits and records) before closing the store and trail.
    pub calls: tokio_util::task::TaskTracker,
    /// The slow-body deadline and the budget of buffered body bytes.
    pub bodies: BodyLimits,
}

/// Whether a request came over TLS (`aws:SecureTransport`): the listener
/// puts it in each request's extensions; without it, a request is taken as
/// plain HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecureTransport(pub bool);

/// The router: `GET /health` and `GET /ready` are answered here, before
/// the pipeline ([`crate::probe`]: not AWS calls, not recorded); every other
/// path and method reaches [`handle`], which answers anything but `POST /`
/// with an AWS-style error.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/health", get(probe::health).fallback(handle))
        .route("/ready", get(probe::ready).fallback(handle))
        .fallback(handle)
        .with_state(state)
}

/// What the pipeline learned about a request, for the record (and, for
/// the service, the namespace of a Query error).
#[derive(Default)]
struct Progress {
    service: Option<AwsService>,
    route: Option<Route>,
    context: Option<RequestContext>,
    /// The principal whose access key signed the request, once known, even
    /// if it was then refused.
    claimed: Option<Arc<Principal>>,
    access_key_id: Option<String>,
    /// The credential scope's region, once the signature is parsed.
    region: Option<String>,
    body: Option<bytes::Bytes>,
    /// The body's share of the buffered-bytes budget, held until the call
    /// (its record included) is over.
    body_share: Option<tokio::sync::OwnedSemaphorePermit>,
    form: Option<QueryRequest>,
    user_agent: Option<String>,
}

async fn handle(State(state): State<Arc<AppState>>, request: Request<Body>) -> Response<Body> {
    let protocol = Protocol::of(request.headers());
    // Its own task: a call runs to its end, record included, even if the
    // client goes away meanwhile (hyper then drops this future), so a
    // change that commits always gets its audit record.
    let calls = state.calls.clone();
    match calls.spawn(call(state, request)).await {
        Ok(response) => response,
        // Panics are caught inside; only a runtime shutting down gets here.
        Err(_) => {
            let body = protocol.error_body(&ApiError::Internal, None, "");
            respond(
                protocol,
                protocol.error_status(&ApiError::Internal),
                "",
                Some(protocol.error_code(&ApiError::Internal)),
                body,
            )
        }
    }
}

/// One call through the pipeline: process, record, respond.
async fn call(state: Arc<AppState>, request: Request<Body>) -> Response<Body> {
    let started = Instant::now();
    let now = state.clock.now();
    let request_id = crate::random_uuid();
    let protocol = Protocol::of(request.headers());
    let source_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let secure_transport = request
        .extensions()
        .get::<SecureTransport>()
        .is_some_and(|t| t.0);
    let mut progress = Progress {
        user_agent: header_str(request.headers(), "user-agent").map(str::to_owned),
        ..Progress::default()
    };
    // A bug must cost one request a 500, not the connection an abrupt close.
    let result = AssertUnwindSafe(process(
        &state,
        &request_id,
        protocol,
        request,
        now,
        (source_ip, secure_transport),
        &mut progress,
    ))
    .catch_unwind()
    .await
    .unwrap_or(Err(ApiError::Internal));
    let result = record(
        &state,
        &request_id,
        protocol,
        now,
        source_ip,
        &progress,
        result,
        started,
    )
    .await;
    match result {
        Ok(body) => respond(protocol, StatusCode::OK, &request_id, None, body),
        Err(err) => {
            let body = protocol.error_body(&err, progress.service, &request_id);
            respond(
                protocol,
                protocol.error_status(&err),
                &request_id,
                Some(protocol.error_code(&err)),
                body,
            )
        }
    }
}

/// The record step: hands the outcome to the recorders and holds the
/// answer until its audit record is durable. A record that cannot be
/// written turns the answer into a 5xx.
#[allow(clippy::too_many_arguments)]
async fn record(
    state: &AppState,
    request_id: &str,
    protocol: Protocol,
    now: Timestamp,
    source_ip: Option<IpAddr>,
    progress: &Progress,
    result: Result<Vec<u8>, ApiError>,
    started: Instant,
) -> Result<Vec<u8>, ApiError> {
    let request = match (&progress.form, &progress.body) {
        (Some(form), _) => RequestBody::Form(form),
        (None, Some(body)) if protocol == Protocol::Json => RequestBody::Json(body),
        _ => RequestBody::None,
    };
    // A Query request refused at authentication: its operation is named
    // only in the (unauthenticated) form; the record names it if it is one.
    let route = progress
        .route
        .or_else(|| match (protocol, progress.service, &progress.body) {
            (Protocol::Query, Some(service), Some(body)) if progress.context.is_none() => {
                QueryRequest::parse(body)
                    .ok()
                    .and_then(|form| Route::from_query(service, &form).ok())
            }
            _ => None,
        });
    let recording = state.recorder.record(&CallRecord {
        request_id,
        time: now,
        service: progress.service,
        context: progress.context.as_ref(),
        claimed: progress.claimed.as_deref(),
        access_key_id: progress.access_key_id.as_deref(),
        region: progress.region.as_deref(),
        source_ip,
        user_agent: progress.user_agent.as_deref(),
        route,
        request,
        response: match (&result, protocol) {
            (Ok(body), Protocol::Json) => Some(body),
            _ => None,
        },
        error: result.as_ref().err(),
        error_code: result.as_ref().err().map(|e| protocol.error_code(e)),
        elapsed_us: started.elapsed().as_micros() as u64,
    });
    match recording.finish().await {
        Ok(()) => result,
        Err(error) => {
            tracing::error!(request_id, %error, "the call's audit record could not be written; answering 500");
            Err(ApiError::AuditUnavailable)
        }
    }
}

async fn process(
    state: &AppState,
    request_id: &str,
    protocol: Protocol,
    request: Request<Body>,
    now: Timestamp,
    (source_ip, secure_transport): (Option<IpAddr>, bool),
    progress: &mut Progress,
) -> Result<Vec<u8>, ApiError> {
    let (parts, body) = request.into_parts();
    if parts.method != Method::POST || parts.uri.path() != "/" {
        return Err(ApiError::MethodNotAllowed);
    }
    let target = header_str(&parts.headers, "x-amz-target").unwrap_or_default();
    if protocol == Protocol::Json {
        // Known before authentication, so that a refusal's record names it.
        progress.service = Some(AwsService::for_target(target));
        progress.route = Route::from_target(target).ok();
    }
    let declared = body::declared_length(&parts.headers);
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(ApiError::BodyTooLarge(MAX_BODY_BYTES));
    }
    // Authentication from the headers: nothing of the body is read for a
    // request whose key, date or scope is refused.
    let identified = match identify(state, protocol, target, &parts, now, progress) {
        Ok(identified) => identified,
        Err(err) => {
            // A Query request names its operation only in its body: read a
            // small one (bounded in size and time) for the record.
            if protocol == Protocol::Query && progress.service.is_some() {
                progress.body = body::peek_small(body, declared).await;
            }
            return Err(err);
        }
    };
    let read = body::read(body, declared, &state.bodies).await?;
    let bytes = progress.body.insert(read.bytes).clone();
    progress.body_share = Some(read.share);
    let (signature, service) = identified.signature;
    let caller = state
        .auth
        .verify(
            identified.identity,
            &signature,
            &parts,
            &read.hash,
            service,
            now,
        )
        .await?;
    let ctx = progress.context.insert(RequestContext {
        request_id: request_id.to_owned(),
        principal: caller.principal,
        region: caller.region,
        source_ip,
        user_agent: progress.user_agent.clone(),
        secure_transport,
        time: now,
        resources: Default::default(),
    });
    // A Query request's operation is in its (now authenticated) body.
    if protocol == Protocol::Query {
        progress.form = Some(QueryRequest::parse(&bytes)?);
    }
    let route = match &progress.form {
        None => Route::from_target(target)?,
        Some(form) => Route::from_query(service, form)?,
    };
    progress.route = Some(route);
    // Fail closed: while the audit trail cannot be written, nothing that
    // changes state runs (this call's own record then probes the trail).
    if !read_only(route) && !state.recorder.accepts_changes() {
        return Err(ApiError::AuditUnavailable);
    }
    match (route, &progress.form) {
        (Route::SecretsManager(endpoint), _) => {
            secretsmanager::dispatch(endpoint, &state.service, ctx, &bytes).await
        }
        (Route::Kms(endpoint), _) => kms::dispatch(endpoint, &state.service, ctx, &bytes).await,
        (Route::CloudTrail(endpoint), _) => {
            cloudtrail::dispatch(endpoint, state, ctx, &bytes).await
        }
        (Route::Sts(endpoint), Some(form)) => sts::dispatch(endpoint, &state.iam, ctx, form).await,
        (Route::Iam(endpoint), Some(form)) => iam::dispatch(endpoint, &state.iam, ctx, form).await,
        // Only Route::from_query yields STS and IAM routes, and only with a form.
        (Route::Sts(_) | Route::Iam(_), None) => Err(ApiError::Internal),
    }
}

fn header_str<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A request's signature parsed from its headers, the service it is for,
/// and its key identified (see [`Authenticator::identify`]).
struct Identified {
    signature: (strongroom_auth::ParsedAuth, AwsService),
    identity: crate::authn::Identified,
}

fn identify(
    state: &AppState,
    protocol: Protocol,
    target: &str,
    parts: &http::request::Parts,
    now: Timestamp,
    progress: &mut Progress,
) -> Result<Identified, ApiError> {
    let signature = strongroom_auth::parse_auth(parts)?;
    progress.access_key_id = Some(signature.access_key_id.clone());
    progress.region = Some(signature.region.clone());
    // JSON names the service in X-Amz-Target; Query only in the scope.
    let service = match protocol {
        Protocol::Json => AwsService::for_target(target),
        Protocol::Query => AwsService::for_query_scope(&signature.service)?,
    };
    progress.service = Some(service);
    let identity = state
        .auth
        .identify(&signature, parts, service, now, &mut progress.claimed)?;
    Ok(Identified {
        signature: (signature, service),
        identity,
    })
}

fn respond(
    protocol: Protocol,
    status: StatusCode,
    request_id: &str,
    error_code: Option<&str>,
    body: Vec<u8>,
) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(protocol.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    // A JSON 1.1 convention; Query errors carry their code in the body only.
    if protocol == Protocol::Json
        && let Some(code) = error_code.and_then(|c| HeaderValue::from_str(c).ok())
    {
        headers.insert("x-amzn-errortype", code);
    }
    response
}
