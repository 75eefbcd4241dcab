//! Plain HTTP/1.1 on loopback for the end-to-end tests: fake Loki Services that report
//! what reached them, and a bounded client. Every socket has a timeout.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// Every read and write gives up after this long.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// What a fake Loki Service saw of one request.
#[derive(Debug)]
pub struct Seen {
    pub service: String,
    pub target: String,
    pub org_id: String,
    pub upgrade: String,
    pub authorization: bool,
    pub body: String,
}

impl Seen {
    pub fn parse(body: &str) -> Option<Seen> {
        let mut f: BTreeMap<&str, &str> = BTreeMap::new();
        for line in body.lines() {
            let (k, v) = line.split_once('=')?;
            f.insert(k, v);
        }
        Some(Seen {
            service: f.get("service")?.to_string(),
            target: f.get("target")?.to_string(),
            org_id: f.get("org_id")?.to_string(),
            upgrade: f.get("upgrade")?.to_string(),
            authorization: *f.get("authorization")? == "present",
            body: f.get("body")?.to_string(),
        })
    }
}

/// Reads one HTTP/1.1 message (head and a Content-Length body), at most 1 MiB.
pub fn read_message(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        assert!(buf.len() < 1 << 20, "request head too large");
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "connection closed before the end of the head");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = header(&head, "content-length")
        .map(|v| v.parse().unwrap())
        .unwrap_or(0);
    assert!(length < 1 << 20);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "connection closed before the end of the body");
        body.extend_from_slice(&chunk[..n]);
    }
    (head, body)
}

pub fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// A fake Loki Service on a loopback port: answers 200 with what it received.
pub fn fake_service(service: String) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
            stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
            let (head, body) = read_message(&mut stream);
            let target = head.split(' ').nth(1).unwrap_or_default();
            let reply = format!(
                "service={service}\ntarget={target}\norg_id={}\nupgrade={}\nauthorization={}\nbody={}\n",
                header(&head, "x-scope-orgid").unwrap_or("-"),
                header(&head, "upgrade").unwrap_or("-"),
                if header(&head, "authorization").is_some() {
                    "present"
                } else {
                    "absent"
                },
                String::from_utf8_lossy(&body),
            );
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    port
}

pub fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// One request to the gateway over plain HTTP/1.1.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &str,
) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: loki-gateway\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP response: {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head}"));
    Reply {
        status,
        body: body.to_owned(),
    }
}

pub fn basic(user: &str, password: &str) -> (&'static str, String) {
    (
        "Authorization",
        format!("Basic {}", base64(format!("{user}:{password}").as_bytes())),
    )
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_encodes_like_rfc_4648() {
        assert_eq!(base64(b"cluster:s3cret-pw"), "Y2x1c3RlcjpzM2NyZXQtcHc=");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}
