//! The smallest HTTP/1.1 client the pusher and the team reads need: one request per connection
//! (`Connection: close`), a JSON body, the answer read to its end, plain HTTP only (a team server elsewhere
//! sits behind a TLS proxy or a tunnel; see docs/team-server.md). Connecting gives up after
//! [`CONNECT_TIMEOUT`], each read or write after [`IO_TIMEOUT`].

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// A server address that is not `http://HOST[:PORT][/PREFIX]`.
#[derive(Debug, thiserror::Error)]
#[error("`{url}` is not a server address: {why}")]
pub struct BadUrl {
    pub url: String,
    pub why: String,
}

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest answer read by [`request`]: the ingest answers are a few dozen bytes, errors a few
/// hundred.
const MAX_ANSWER_BYTES: u64 = 1024 * 1024;
/// Longest answer read by [`get`]: a list of 10 000 runs (the API's most) is about 15 MiB.
pub const MAX_READ_BYTES: u64 = 64 * 1024 * 1024;

/// A team server's address: `http://HOST[:PORT][/PREFIX]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl {
    /// As runs record which server they went to: `http://host:port/prefix`, no trailing `/`.
    text: String,
    host: String,
    port: u16,
    /// Path prefix the API lives under (a proxy's), without a trailing `/`; often empty.
    prefix: String,
}

impl ServerUrl {
    pub fn parse(text: &str) -> Result<ServerUrl, BadUrl> {
        let bad = |why: &str| BadUrl {
            url: text.to_string(),
            why: why.to_string(),
        };
        let trimmed = text.trim();
        let Some(rest) = trimmed.strip_prefix("http://") else {
            return Err(if trimmed.starts_with("https://") {
                bad(
                    "mlcarbon pushes over plain HTTP; reach a remote server through a tunnel (ssh -L) or a local TLS proxy (docs/team-server.md)",
                )
            } else {
                bad("expected http://HOST:PORT, e.g. http://127.0.0.1:8080")
            });
        };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("an IPv6 address needs its closing `]`"))?;
            (host, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() || host.contains('@') {
            return Err(bad("expected http://HOST:PORT (no user name)"));
        }
        let port = match port {
            Some(port) => port
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
            None => 80,
        };
        if path.contains(['?', '#', ' ']) {
            return Err(bad("the address takes no query, fragment or spaces"));
        }
        let prefix = path.trim_end_matches('/').to_string();
        let shown_host = if authority.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        Ok(ServerUrl {
            text: format!("http://{shown_host}:{port}{prefix}"),
            host: host.to_string(),
            port,
            prefix,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// An answer: its status and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    /// The `error` of an API error body (`{"error", "field"}`), else the body as text.
    pub fn message(&self) -> String {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(&self.body).trim().to_string())
    }
}

/// Sends one request with a JSON `body` to `path` (under the server's prefix) and reads the
/// answer. Failing to connect, send or read is the reason why, for the caller to retry.
pub fn request(
    server: &ServerUrl,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> Result<Answer, String> {
    exchange(server, method, path, token, Some(body), MAX_ANSWER_BYTES)
}

/// `GET path` (under the server's prefix), its answer read up to [`MAX_READ_BYTES`].
pub fn get(server: &ServerUrl, path: &str, token: Option<&str>) -> Result<Answer, String> {
    exchange(server, "GET", path, token, None, MAX_READ_BYTES)
}

fn exchange(
    server: &ServerUrl,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
    max_answer_bytes: u64,
) -> Result<Answer, String> {
    let unreachable = |reason: String| reason;
    let addrs = (server.host.as_str(), server.port)
        .to_socket_addrs()
        .map_err(|e| unreachable(format!("cannot resolve {}: {e}", server.host)))?;
    let mut last_error = format!("{} has no address", server.host);
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_error = e.to_string(),
        }
    }
    let mut stream = stream.ok_or_else(|| unreachable(last_error))?;
    let io = |e: std::io::Error| unreachable(e.to_string());
    stream.set_read_timeout(Some(IO_TIMEOUT)).map_err(io)?;
    stream.set_write_timeout(Some(IO_TIMEOUT)).map_err(io)?;
    stream.set_nodelay(true).map_err(io)?;
    let mut head = format!(
        "{method} {}{path} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: mlcarbon/{}\r\nAccept: application/json\r\nConnection: close\r\n",
        server.prefix,
        if server.host.contains(':') {
            format!("[{}]", server.host)
        } else {
            server.host.clone()
        },
        server.port,
        env!("CARGO_PKG_VERSION"),
    );
    if let Some(body) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).map_err(io)?;
    stream.write_all(body.unwrap_or_default()).map_err(io)?;
    stream.flush().map_err(io)?;
    let mut raw = Vec::new();
    // One byte more than allowed tells an answer cut at the limit from one that fits.
    stream
        .take(max_answer_bytes + 1)
        .read_to_end(&mut raw)
        .map_err(io)?;
    if raw.len() as u64 > max_answer_bytes {
        return Err(format!(
            "the answer is larger than {} MiB",
            max_answer_bytes / (1024 * 1024)
        ));
    }
    parse_answer(&raw).map_err(|why| unreachable(format!("unreadable answer: {why}")))
}

/// `text` percent-encoded for a path segment or a query value: everything but the unreserved
/// characters of RFC 3986 (letters, digits, `-._~`) as `%XX` of its UTF-8 bytes.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Status and body of a whole HTTP/1.1 answer (`Content-Length`, chunked, or to the end).
fn parse_answer(raw: &[u8]) -> Result<Answer, String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers")?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| "headers are not text")?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or("no status line")?;
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        } else if name.eq_ignore_ascii_case("content-length") {
            length = value.parse::<usize>().ok();
        }
    }
    let rest = &raw[end + 4..];
    let body = if chunked {
        dechunk(rest)?
    } else {
        match length {
            Some(n) if n <= rest.len() => rest[..n].to_vec(),
            Some(_) => return Err("the body is shorter than its Content-Length".into()),
            None => rest.to_vec(),
        }
    };
    Ok(Answer { status, body })
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("a chunk without its size line")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).map_err(|_| "bad chunk size")?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| "bad chunk size")?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size + 2 {
            return Err("a chunk cut short".into());
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses() {
        let url = ServerUrl::parse("http://team.example:8080/").expect("url");
        assert_eq!(url.as_str(), "http://team.example:8080");
        assert_eq!((url.host.as_str(), url.port), ("team.example", 8080));
        let url = ServerUrl::parse("http://10.0.0.1/mlcarbon/").expect("url");
        assert_eq!(url.as_str(), "http://10.0.0.1:80/mlcarbon");
        let url = ServerUrl::parse("http://[::1]:9000").expect("url");
        assert_eq!((url.host.as_str(), url.port), ("::1", 9000));
        assert_eq!(url.as_str(), "http://[::1]:9000");
        for bad in [
            "https://x:1",
            "x:1",
            "http://:80",
            "http://h:0",
            "http://h:99999",
            "http://u@h:1",
            "http://h:1/?q",
        ] {
            assert!(ServerUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn encoding() {
        assert_eq!(encode("slurm:77.0"), "slurm%3A77.0");
        assert_eq!(encode("a b/c?d#é~"), "a%20b%2Fc%3Fd%23%C3%A9~");
    }

    #[test]
    fn answers() {
        let plain =
            parse_answer(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}").expect("ok");
        assert_eq!((plain.status, plain.body.as_slice()), (201, &b"{}"[..]));
        let chunked = parse_answer(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x\r\nde\r\n0\r\n\r\n",
        )
        .expect("ok");
        assert_eq!(chunked.body, b"abcde");
        assert!(parse_answer(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nabc").is_err());
        assert!(parse_answer(b"garbage").is_err());
    }
}
