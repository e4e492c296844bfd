//! The HTTP/1.1 server: accepts TCP connections, serves each with hyper, and runs every
//! non-`/emulator/` request through journaling and fault injection before the management
//! router.
//!
//! Connections are served with hyper directly (not `axum::serve`) so that a fault can close
//! a connection without writing a single response byte: the service returns an error, and
//! hyper's HTTP/1 dispatcher then drops the connection.

use std::convert::Infallible;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_service::Service;

use crate::errors::{json_response, ApiError};
use crate::faults::{Fault, FaultAction, OVERSIZED_BODY_LEN};
use crate::journal::JournalEntry;
use crate::routes::{admin, mgmt};
use crate::state::AppState;
use crate::time::now_millis;

/// Largest request body accepted (larger ones get `413`).
pub const MAX_REQUEST_BODY: usize = 32 * 1024 * 1024;

/// Returned by the service to make hyper close the connection without a response.
#[derive(Debug)]
pub struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DropConnection {}

struct Ctx {
    app: Arc<AppState>,
    mgmt: Router,
    admin: Router,
}

/// Accepts connections on `listener` until `shutdown` changes (or its sender is dropped);
/// open connections are closed at that point too.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Arc<AppState>,
    mut shutdown: watch::Receiver<bool>,
) {
    let ctx = Arc::new(Ctx {
        mgmt: mgmt::router(app.clone()),
        admin: admin::router(app.clone()),
        app,
    });
    loop {
        let stream = tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // e.g. EMFILE: back off briefly instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let ctx = ctx.clone();
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| handle(ctx.clone(), req));
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(None)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = conn_shutdown.changed() => {}
            }
        });
    }
}

async fn call(router: &Router, req: Request<Body>) -> Response<Body> {
    let mut router = router.clone();
    match router.call(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}

fn is_admin_path(path: &str) -> bool {
    path == "/emulator" || path.starts_with("/emulator/")
}

async fn handle(ctx: Arc<Ctx>, req: Request<Incoming>) -> Result<Response<Body>, DropConnection> {
    if is_admin_path(req.uri().path()) {
        return Ok(call(&ctx.admin, req.map(Body::new)).await);
    }
    handle_api(ctx, req).await.map(with_ray_id)
}

/// Adds a `cf-ray`-shaped request id, as Descope's edge sends on every answer (a fault
/// that sets its own `cf-ray` keeps it).
fn with_ray_id(mut resp: Response<Body>) -> Response<Body> {
    if !resp.headers().contains_key("cf-ray") {
        let ray = format!("{:016x}-EMU", fastrand::u64(..));
        if let Ok(v) = HeaderValue::from_str(&ray) {
            resp.headers_mut().insert("cf-ray", v);
        }
    }
    resp
}

/// A management API request: journaled, then answered (or faulted).
async fn handle_api(
    ctx: Arc<Ctx>,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let (parts, body) = req.into_parts();
    let (bytes, too_large) = match axum::body::to_bytes(Body::new(body), MAX_REQUEST_BODY).await {
        Ok(b) => (b, false),
        Err(_) => (Bytes::new(), true),
    };
    ctx.app.journal.push(JournalEntry {
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers.clone(),
        body: bytes.clone(),
        ts: now_millis(),
    });
    if too_large {
        return Ok(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "E000413",
            "Payload too large",
            format!("Request body exceeds {MAX_REQUEST_BODY} bytes"),
        )
        .into_response());
    }
    let fault = ctx.app.faults.take(&parts.method, parts.uri.path());
    let req = Request::from_parts(parts, Body::from(bytes));
    match fault {
        None => Ok(call(&ctx.mgmt, req).await),
        Some(fault) => {
            // Run in its own task so the request is still applied if the client goes away
            // (e.g. a client timeout during a `delay`); inspection endpoints wait for it.
            let guard = ctx.app.begin_pending();
            let task = tokio::spawn(async move {
                let _guard = guard;
                apply_fault(&ctx, fault, req).await
            });
            task.await.unwrap_or(Err(DropConnection))
        }
    }
}

async fn apply_fault(
    ctx: &Ctx,
    fault: Fault,
    req: Request<Body>,
) -> Result<Response<Body>, DropConnection> {
    if fault.spec.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.spec.delay_ms)).await;
    }
    match fault.spec.action {
        FaultAction::Respond => Ok(fault_response(&fault)),
        FaultAction::Delay => Ok(call(&ctx.mgmt, req).await),
        FaultAction::DropBeforeApply => Err(DropConnection),
        FaultAction::DropAfterApply => {
            let resp = call(&ctx.mgmt, req).await;
            drop(axum::body::to_bytes(resp.into_body(), usize::MAX).await);
            Err(DropConnection)
        }
        FaultAction::MalformedBody => {
            let real = real_body(call(&ctx.mgmt, req).await).await;
            // Cutting a JSON object in half always leaves it unclosed, hence invalid.
            let body = if real.len() >= 4 {
                real.slice(..real.len() / 2)
            } else {
                Bytes::from_static(b"{\"key\": {")
            };
            Ok(json_response(StatusCode::OK, body.to_vec()))
        }
        FaultAction::OversizedBody => {
            let real = real_body(call(&ctx.mgmt, req).await).await;
            let head = match real.last() {
                Some(b'}') if real.len() > 2 => {
                    let mut h = real[..real.len() - 1].to_vec();
                    h.extend_from_slice(b",\"pad\":\"");
                    Bytes::from(h)
                }
                _ => Bytes::from_static(b"{\"pad\":\""),
            };
            let body = PaddedBody {
                head: Some(head),
                pad_remaining: OVERSIZED_BODY_LEN,
                tail: Some(Bytes::from_static(b"\"}")),
            };
            let mut resp = Response::new(Body::new(body));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Ok(resp)
        }
    }
}

async fn real_body(resp: Response<Body>) -> Bytes {
    axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap_or_default()
}

fn fault_response(fault: &Fault) -> Response<Body> {
    let has_content_type = fault.headers.iter().any(|(n, _)| n == header::CONTENT_TYPE);
    let mut resp = match &fault.spec.body {
        None => json_response(
            fault.status,
            ApiError::for_fault_status(fault.status).body_bytes(),
        ),
        Some(body) => {
            let mut resp = Response::new(Body::from(body.clone()));
            *resp.status_mut() = fault.status;
            let trimmed = body.trim_start();
            let guessed = if trimmed.is_empty() {
                None
            } else if trimmed.starts_with('<') {
                Some("text/html; charset=utf-8")
            } else if trimmed.starts_with('{') || trimmed.starts_with('[') {
                Some("application/json")
            } else {
                Some("text/plain; charset=utf-8")
            };
            if let (Some(ct), false) = (guessed, has_content_type) {
                resp.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            }
            resp
        }
    };
    for (name, value) in &fault.headers {
        resp.headers_mut().insert(name.clone(), value.clone());
    }
    resp
}

/// A JSON body streamed in chunks: `head`, then `pad_remaining` bytes of `a`, then `tail`.
struct PaddedBody {
    head: Option<Bytes>,
    pad_remaining: usize,
    tail: Option<Bytes>,
}

static PAD: [u8; 64 * 1024] = [b'a'; 64 * 1024];

impl http_body::Body for PaddedBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if let Some(head) = this.head.take() {
            return Poll::Ready(Some(Ok(Frame::data(head))));
        }
        if this.pad_remaining > 0 {
            let n = this.pad_remaining.min(PAD.len());
            this.pad_remaining -= n;
            return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(&PAD[..n])))));
        }
        Poll::Ready(this.tail.take().map(|t| Ok(Frame::data(t))))
    }

    fn is_end_stream(&self) -> bool {
        self.head.is_none() && self.pad_remaining == 0 && self.tail.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        let len = self.head.as_ref().map_or(0, Bytes::len)
            + self.pad_remaining
            + self.tail.as_ref().map_or(0, Bytes::len);
        SizeHint::with_exact(len as u64)
    }
}
