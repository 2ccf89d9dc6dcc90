//! Connections and forwarding over real sockets: idle connections of both protocols close,
//! running out of file descriptors slows accepting but never stops it, a forward loop is refused
//! at start and cut with `508` when it happens anyway, and `Expect: 100-continue` over the body
//! limit is answered at once.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use hookscope::config::ListenConfig;
use hookscope::store::Stats;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Settings with a short idle timeout and a header timeout well above it, so that what closes
/// an idle HTTP/1 connection is the idle timeout.
fn idle_config(idle: Duration) -> ListenConfig {
    ListenConfig {
        idle_timeout: idle,
        header_timeout: Duration::from_secs(5),
        ..config()
    }
}

/// Sends one request over a new HTTP/2 connection made by `client`, keeps the connection, and
/// waits for the server to end it: how long after the answer that was.
async fn closed_after_one_request(
    addr: SocketAddr,
    client: hyper::client::conn::http2::Builder<TokioExecutor>,
    path: &str,
) -> Duration {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = client.handshake(TokioIo::new(stream)).await.unwrap();
    let connection = tokio::spawn(connection);
    let request = Request::builder()
        .method("POST")
        .uri(format!("http://{addr}{path}"))
        .body(Full::new(Bytes::from_static(b"{}")))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let _ = response.into_body().collect().await.unwrap();
    let answered = Instant::now();
    tokio::time::timeout(LIMIT, connection)
        .await
        .expect("the server closes an idle HTTP/2 connection")
        .unwrap()
        .ok();
    answered.elapsed()
}

#[tokio::test]
async fn an_idle_http2_connection_closes_after_the_idle_timeout() {
    let server = start(idle_config(Duration::from_millis(800))).await;
    let client = hyper::client::conn::http2::Builder::new(TokioExecutor::new());
    let idle = closed_after_one_request(server.addr, client, "/h2-idle").await;
    assert!(idle >= Duration::from_millis(700), "closed after {idle:?}");
    assert!(idle < Duration::from_millis(2500), "closed after {idle:?}");
    // Closing an idle connection is no failure.
    assert_eq!(
        server.store.stats(),
        Stats {
            received: 1,
            stored: 1,
            evicted: 0,
            rejected: 0
        }
    );
    server.stop().await;
}

/// An HTTP/2 client that pings while idle sends bytes that are no request head: the header
/// timeout must not end its connection (nor count a rejected request); the idle timeout does.
#[tokio::test]
async fn a_pinging_http2_connection_outlives_the_header_timeout() {
    let server = start(ListenConfig {
        idle_timeout: Duration::from_millis(2000),
        header_timeout: Duration::from_millis(400),
        ..config()
    })
    .await;
    let mut client = hyper::client::conn::http2::Builder::new(TokioExecutor::new());
    client
        .timer(hyper_util::rt::TokioTimer::new())
        .keep_alive_interval(Duration::from_millis(100))
        .keep_alive_while_idle(true);
    let idle = closed_after_one_request(server.addr, client, "/h2-ping").await;
    assert!(idle >= Duration::from_millis(1800), "closed after {idle:?}");
    assert_eq!(server.store.stats().rejected, 0);
    server.stop().await;
}

#[tokio::test]
async fn an_idle_http1_connection_closes_after_the_idle_timeout() {
    let server = start(idle_config(Duration::from_millis(800))).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /h1-idle HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let answer = read_to_close(&mut stream).await;
    let idle = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(idle >= Duration::from_millis(700), "closed after {idle:?}");
    // The header timeout (5 s) would close it too, but later.
    assert!(idle < Duration::from_millis(2500), "closed after {idle:?}");
    assert_eq!(server.store.stats().rejected, 0);
    server.stop().await;
}

#[tokio::test]
async fn a_request_in_flight_is_not_idle() {
    let mut config = idle_config(Duration::from_millis(300));
    config.answer.delay = Duration::from_millis(1200);
    let server = start(config).await;
    // Four idle timeouts pass while the answer is delayed: the connection must stay.
    let answer = send_h2(server.addr, "/slow", b"{\"slow\":true}").await;
    assert_eq!(answer.status, 200);
    let answer = send(server.addr, "POST", "/slow-h1", &[], b"{}").await;
    assert_eq!(answer.status, 200);
    assert_eq!(server.store.len(), 2);
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// The real binary, for what needs a process of its own (a file-descriptor limit) or its start.

fn hookscope() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hookscope"));
    command.env_remove("HOOKSCOPE_CONFIG");
    command
}

/// A running `hookscope --headless`; the process is ended when this is dropped.
struct Running {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Running {
    /// Starts `command` and reads the listening address from its stderr.
    fn start(mut command: Command) -> Running {
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut running = Running {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let mut early = String::new();
        loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                panic!("hookscope exited before listening: {early}");
            }
            if let Some(addr) = line
                .split_whitespace()
                .find_map(|word| word.strip_prefix("http://"))
            {
                running.addr = addr.parse().unwrap();
                break;
            }
            early.push_str(&line);
        }
        // Keep reading stderr so that the process never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = stderr.read_to_end(&mut sink);
        });
        running
    }

    /// User plus system CPU time of the process so far, from `/proc`.
    fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // The fields after the command name, which is in parentheses and may hold spaces.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..]
            .split_whitespace()
            .collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        // The kernel's USER_HZ is 100 on every Linux architecture hookscope runs on.
        Duration::from_millis(ticks * 10)
    }
}

/// Sends one small POST on a fresh connection and returns the status line, or `None` when no
/// answer came within `within`.
fn try_post(addr: SocketAddr, within: Duration) -> Option<String> {
    let mut stream = std::net::TcpStream::connect_timeout(&addr, within).ok()?;
    stream.set_read_timeout(Some(within)).unwrap();
    stream
        .write_all(
            b"POST /fresh HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
              content-length: 2\r\nconnection: close\r\n\r\n{}",
        )
        .ok()?;
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.lines().next().map(str::to_owned)
}

/// The start of an HTTP/2 connection with prior knowledge: the preface and an empty SETTINGS
/// frame. A client that sends this and nothing more holds an idle h2c connection.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

#[test]
#[cfg(target_os = "linux")]
fn out_of_file_descriptors_it_keeps_answering_and_does_not_spin() {
    // 64 descriptors: the runtime takes a dozen, so about fifty connections fill the table.
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("ulimit -n 64 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_hookscope"))
        .args(["--headless", "--port", "0", "--idle-timeout", "60s"])
        .env_remove("HOOKSCOPE_CONFIG");
    let server = Running::start(command);

    // Requests whose bodies never finish are in flight: nothing may close them but the body
    // timeout. With them the descriptors run out, and accepting fails with EMFILE.
    let mut busy = Vec::new();
    for _ in 0..80 {
        let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
        stream
            .write_all(b"POST /stuck HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nhalf")
            .unwrap();
        busy.push(stream);
    }
    std::thread::sleep(Duration::from_millis(300));
    let before = server.cpu_time();
    std::thread::sleep(Duration::from_secs(2));
    let spent = server.cpu_time() - before;
    assert!(
        spent < Duration::from_millis(300),
        "{spent:?} of CPU in 2 s with no descriptor left: the accept loop spins"
    );
    drop(busy);
    let answer = try_post(server.addr, Duration::from_secs(5));
    assert_eq!(
        answer.as_deref(),
        Some("HTTP/1.1 200 OK"),
        "after the busy ones left"
    );

    // Idle HTTP/2 connections beyond the limit: they make room for a new client at once,
    // long before their idle timeout.
    let mut idle = Vec::new();
    for _ in 0..120 {
        let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
        stream.write_all(H2_PREFACE).unwrap();
        idle.push(stream);
    }
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let answer = try_post(server.addr, Duration::from_secs(8));
    assert_eq!(
        answer.as_deref(),
        Some("HTTP/1.1 200 OK"),
        "a new client beside {} idle h2c connections",
        idle.len()
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn expect_continue_over_the_body_limit_is_answered_413_at_once() {
    let server = start(ListenConfig {
        max_body: 1000,
        ..config()
    })
    .await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(
            b"POST /big HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
              content-length: 5000\r\nexpect: 100-continue\r\n\r\n",
        )
        .await
        .unwrap();
    // The client waits for `100 Continue` before sending the body; it must get the 413 instead,
    // and the connection ends with it (the body was never read).
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(!answer.contains("100 Continue"), "{answer}");
    server.wait_received(1).await;
    let event = &server.store.snapshot()[0];
    assert_eq!(event.response.status, 413);
    assert_eq!(event.body_size(), 5000);
    assert!(event.truncated);
    assert!(event.body.is_empty());

    // Within the limit, `100 Continue` comes and the body is read as usual.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(
            b"POST /small HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\
              expect: 100-continue\r\nconnection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let mut head = [0u8; 25];
    tokio::io::AsyncReadExt::read_exact(&mut stream, &mut head)
        .await
        .unwrap();
    assert_eq!(&head, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(b"{}").await.unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    server.stop().await;
}

/// Settings that relay every request to `target`.
fn forwarding(target: &str) -> ListenConfig {
    let mut config = config();
    config.answer.forward = Some(target.parse().unwrap());
    config.answer.forward_timeout = Duration::from_secs(1);
    config
}

#[tokio::test]
async fn a_request_back_from_its_own_forward_is_answered_508_and_not_forwarded() {
    let app = start_app(200, "{\"app\":true}", Duration::ZERO).await;
    let server = start(forwarding(&format!("http://{}", app.addr))).await;
    let answer = post(server.addr, "/hook", "application/json", b"{\"n\":1}").await;
    assert_eq!(answer.status, 200);
    // The relayed request carries this instance's mark in `Via`.
    let via = {
        let received = app.received.lock().unwrap();
        let via = received[0].header("via").expect("a Via header").to_vec();
        String::from_utf8(via).unwrap()
    };
    assert!(via.starts_with("1.1 hookscope-"), "{via}");

    // The same mark coming back (the app relays to hookscope, say) ends the loop here.
    let looped = send(
        server.addr,
        "POST",
        "/hook",
        &[("via", format!("1.0 proxy, {via}").as_bytes())],
        b"{\"n\":2}",
    )
    .await;
    assert_eq!(looped.status, 508, "{:?}", looped.body);
    assert!(
        looped.json()["error"].as_str().unwrap().contains("loop"),
        "{:?}",
        looped.body
    );
    assert_eq!(app.received.lock().unwrap().len(), 1, "not forwarded again");
    let export = export_json(&server.store);
    let event = &export["events"][1];
    assert_eq!(event["response"]["status"], 508);
    assert!(event["response"]["forwarded_to"].is_null());
    assert!(
        event["response"]["error"]
            .as_str()
            .unwrap()
            .contains("loop"),
        "{event}"
    );

    // Another hookscope's mark is no loop of this one's.
    let other = send(
        server.addr,
        "POST",
        "/hook",
        &[("via", b"1.1 hookscope-0000000000000000")],
        b"{\"n\":3}",
    )
    .await;
    assert_eq!(other.status, 200);
    assert_eq!(app.received.lock().unwrap().len(), 2);
    server.stop().await;
}

#[tokio::test]
async fn two_instances_forwarding_to_each_other_stop_at_the_first_return() {
    // B's port is chosen first, so that A can forward to it before B exists.
    let port_b = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let a = start(forwarding(&format!("http://127.0.0.1:{port_b}"))).await;
    let b = start(ListenConfig {
        port: port_b,
        ..forwarding(&format!("http://{}", a.addr))
    })
    .await;
    let answer = post(a.addr, "/ping-pong", "application/json", b"{}").await;
    // A → B → A: A recognises its own mark and answers 508, which B and then A relay.
    assert_eq!(answer.status, 508, "{:?}", answer.body);
    a.wait_received(2).await;
    b.wait_received(1).await;
    assert_eq!(a.store.len(), 2);
    assert_eq!(b.store.len(), 1);
    a.stop().await;
    b.stop().await;
}

/// Runs `hookscope` with `args` until it exits (it should, at once) and returns its exit code
/// and stderr.
fn refused(args: &[&str]) -> (Option<i32>, String) {
    let mut child = hookscope()
        .args(["--headless"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("hookscope {args:?} kept running");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code(), err)
}

/// A port nothing listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn forwarding_to_its_own_address_is_refused_at_start() {
    let port = free_port();
    let p = port.to_string();
    // Binding `::` needs IPv6, which some containers lack.
    let ipv6 = std::net::TcpListener::bind("[::]:0").is_ok();
    for (bind, target) in [
        ("127.0.0.1", format!("http://127.0.0.1:{port}")),
        ("127.0.0.1", format!("http://localhost:{port}/app")),
        ("127.0.0.1", format!("http://[::ffff:127.0.0.1]:{port}")),
        ("0.0.0.0", format!("http://127.0.0.1:{port}/hooks")),
        ("::", format!("http://127.0.0.1:{port}")),
    ] {
        if bind == "::" && !ipv6 {
            continue;
        }
        let (code, err) = refused(&["--bind", bind, "--port", &p, "--forward-to", &target]);
        assert_eq!(code, Some(2), "{bind} → {target}: {err}");
        let errors: Vec<&str> = err.lines().filter(|l| l.contains("error")).collect();
        assert_eq!(errors.len(), 1, "{err}");
        assert!(
            errors[0].contains("--forward-to") && errors[0].contains("itself"),
            "{err}"
        );
    }
    // Another port of the same host is somebody else.
    let other = free_port();
    let server = Running::start({
        let mut command = hookscope();
        command.args(["--headless", "--port", &p, "--forward-to"]);
        command.arg(format!("http://localhost:{other}"));
        command
    });
    assert_eq!(server.addr.port(), port);
}

#[test]
fn an_impossible_forward_port_is_refused_in_one_line() {
    let (code, err) = refused(&["--port", "0", "--forward-to", "http://127.0.0.1:99999"]);
    assert_eq!(code, Some(2), "{err}");
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error:") && first.contains("port 99999 is not between 1 and 65535"),
        "{err}"
    );
}
