//! What more than one example needs.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};

/// The bare server's answer: the body read, a small JSON answered 200 — what any webhook
/// receiver must do at least (`bare_hyper` serves it; `allocs_per_request --bare` counts it).
pub async fn bare_answer(
    request: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let text = format!("{{\"received\":true,\"bytes\":{}}}", body.len());
    let mut response = Response::new(Full::new(Bytes::from(text)));
    response
        .headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    Ok(response)
}
