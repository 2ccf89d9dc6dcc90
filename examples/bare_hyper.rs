//! The yardstick for the load script: a bare hyper server that reads each body and answers 200
//! with a small JSON — what any webhook receiver must do at least. hookscope's throughput and
//! latency are quoted as ratios against this server, measured in the same run.
//!
//! It serves HTTP/1 only, through hyper's `http1::Builder` with TCP_NODELAY: the fastest bare
//! hyper server, so the ratios do not flatter hookscope. `auto` serves through hyper-util's
//! `auto` builder instead (HTTP/1 and h2c, as hookscope does), for comparison.
//!
//! `cargo run --release --example bare_hyper -- 8766 [http1|auto]`

use std::net::SocketAddr;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

mod support;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8766);
    let auto_builder = std::env::args().nth(2).as_deref() == Some("auto");
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    eprintln!(
        "bare hyper ({}) listening on http://{}",
        if auto_builder { "auto" } else { "http1" },
        listener.local_addr()?
    );
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let io = TokioIo::new(stream);
                    let service = hyper::service::service_fn(support::bare_answer);
                    if auto_builder {
                        let _ = auto::Builder::new(TokioExecutor::new())
                            .serve_connection(io, service)
                            .await;
                    } else {
                        let _ = http1::Builder::new().serve_connection(io, service).await;
                    }
                });
            }
            _ = terminate.recv() => return Ok(()),
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}
