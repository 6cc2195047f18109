//! The real server on a loopback socket: idle, trickling and half-sent clients are closed on
//! time, the connection cap answers 503, and none of them delays a normal request.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use mlcarbon_web::{AppState, ConnectionLimits};

/// The server with `limits`, without a run database.
fn start(limits: ConnectionLimits) -> SocketAddr {
    crate::support::serve_on_loopback(AppState::new(crate::support::data()), limits)
}

fn limits(timeout_ms: u64, max_connections: usize) -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout: Duration::from_millis(timeout_ms),
        body_read_timeout: Duration::from_millis(timeout_ms),
        max_connections,
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("read timeout");
    stream
}

/// Everything the server sends until it closes the connection (or 5 s pass: `None`).
fn read_until_closed(stream: &mut TcpStream) -> Option<String> {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Some(String::from_utf8_lossy(&bytes).into_owned()),
            Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some(String::from_utf8_lossy(&bytes).into_owned());
            }
            Err(_) => return None,
        }
    }
}

/// A whole GET on a fresh connection, closed after the answer; the status line.
fn get(addr: SocketAddr, path: &str) -> String {
    let mut stream = connect(addr);
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n").as_bytes(),
        )
        .expect("send");
    let answer = read_until_closed(&mut stream).expect("an answer");
    answer.lines().next().unwrap_or_default().to_string()
}

#[test]
fn idle_and_trickling_clients_are_closed_and_do_not_delay_others() {
    let addr = start(limits(600, 64));
    let mut idle: Vec<TcpStream> = (0..5).map(|_| connect(addr)).collect();
    // Two clients that send their request line a byte at a time, never finishing in time.
    let tricklers: Vec<_> = (0..2)
        .map(|_| {
            let mut stream = connect(addr);
            std::thread::spawn(move || {
                for byte in b"GET /api/sources HTTP/1.1\r\nhost: test\r\n" {
                    if stream.write_all(&[*byte]).is_err() {
                        return true;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                // Still open after 4 s of trickling would mean no header deadline.
                stream.write_all(b"x-late: 1\r\n").is_err()
                    || read_until_closed(&mut stream)
                        .is_some_and(|a| !a.starts_with("HTTP/1.1 200"))
            })
        })
        .collect();
    let started = Instant::now();
    assert_eq!(get(addr, "/api/sources"), "HTTP/1.1 200 OK");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "a normal request waited {:?} behind idle and slow clients",
        started.elapsed()
    );
    for stream in &mut idle {
        let opened = Instant::now();
        assert!(
            read_until_closed(stream).is_some(),
            "an idle connection stays open"
        );
        assert!(opened.elapsed() < Duration::from_secs(2));
    }
    for trickler in tricklers {
        assert!(
            trickler.join().expect("trickler"),
            "a trickled request head was served"
        );
    }
}

#[test]
fn a_kept_alive_connection_is_closed_when_idle() {
    let addr = start(limits(500, 64));
    let mut stream = connect(addr);
    stream
        .write_all(b"GET /api/sources HTTP/1.1\r\nhost: test\r\n\r\n")
        .expect("send");
    let mut first = [0u8; 12];
    stream.read_exact(&mut first).expect("an answer");
    assert_eq!(&first, b"HTTP/1.1 200");
    let waited = Instant::now();
    assert!(
        read_until_closed(&mut stream).is_some(),
        "still open after 5 s"
    );
    assert!(
        waited.elapsed() < Duration::from_secs(2),
        "{:?}",
        waited.elapsed()
    );
}

#[test]
fn a_body_that_trickles_in_is_a_408() {
    let addr = start(limits(500, 64));
    let mut stream = connect(addr);
    stream
        .write_all(b"POST /api/estimate HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"hours\"")
        .expect("send");
    let answer = read_until_closed(&mut stream).expect("closed in time");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"field\":\"body\""), "{answer}");
}

#[test]
fn connections_over_the_cap_get_503_and_others_are_served_after() {
    let addr = start(limits(500, 3));
    let held: Vec<TcpStream> = (0..3).map(|_| connect(addr)).collect();
    // Accepted in order: give the server a moment to take the three.
    std::thread::sleep(Duration::from_millis(100));
    let mut over = connect(addr);
    let answer = read_until_closed(&mut over).expect("answered and closed");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    // Once the idle ones are closed, there is room again.
    std::thread::sleep(Duration::from_millis(900));
    assert_eq!(get(addr, "/api/sources"), "HTTP/1.1 200 OK");
    drop(held);
}
