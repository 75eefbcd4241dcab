//! The real nginx for the gateway tests: finding it, running `nginx -t` and a
//! foreground nginx (killed when dropped), and adapting a rendered config to the test
//! machine (paths, resolver, htpasswd) while counting every change.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::http::request;
use crate::{docs, run_fn, tool};

/// The real nginx (Debian's), or a failure that says how to get it.
pub fn nginx() -> PathBuf {
    let debian = Path::new("/usr/sbin/nginx");
    if debian.is_file() {
        return debian.to_path_buf();
    }
    tool("nginx")
}

pub fn render(config: &str) -> Vec<Value> {
    docs(
        &run_fn(&["render", "-f", "-"], Some(config.as_bytes()))
            .ok()
            .stdout,
    )
}

pub fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

pub fn nginx_conf(objects: &[Value]) -> String {
    find(objects, "ConfigMap", "loki-gateway")["data"]["nginx.conf"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `text` with `from` replaced by `to`, which must occur exactly `times` times.
#[track_caller]
pub fn replace(text: &str, from: &str, to: &str, times: usize) -> String {
    assert_eq!(text.matches(from).count(), times, "{from:?} in:\n{text}");
    text.replace(from, to)
}

/// The value of a one-argument directive (`name value;`).
pub fn directive<'a>(conf: &'a str, name: &str) -> Option<&'a str> {
    conf.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.strip_suffix(';'))
}

/// The config with the test machine's paths, resolver and htpasswd file (see the
/// module comment). Backends and the port are left as rendered.
pub fn localize(conf: &str, dir: &Path, htpasswd: &Path) -> String {
    let mut c = replace(conf, "/tmp/", &format!("{}/", dir.display()), 6);
    let resolver = directive(&c, "resolver").unwrap().to_owned();
    assert!(resolver.ends_with(" valid=10s ipv6=off"), "{resolver}");
    c = replace(
        &c,
        &format!("resolver {resolver};"),
        "resolver 127.0.0.1 valid=10s ipv6=off;",
        1,
    );
    if let Some(file) = directive(&c, "auth_basic_user_file").map(str::to_owned) {
        c = replace(
            &c,
            &format!("auth_basic_user_file {file};"),
            &format!("auth_basic_user_file {};", htpasswd.display()),
            1,
        );
    }
    c
}

/// `nginx <args> -e stderr -p <dir> -c <conf>`. `user root` keeps workers able to
/// read the private test directory when the tests run as root (nginx ignores it with a
/// warning otherwise).
pub fn nginx_command(dir: &Path, conf: &Path, globals: &str) -> Command {
    let mut c = Command::new(nginx());
    c.arg("-e")
        .arg("stderr")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(conf)
        .arg("-g")
        .arg(format!("user root; {globals}"));
    c
}

/// The htpasswd line of a user: APR1-MD5 from openssl if there is one, else the
/// `{PLAIN}` scheme nginx also reads.
pub fn htpasswd_line(user: &str, password: &str) -> String {
    let openssl = Command::new("openssl")
        .args(["passwd", "-apr1", password])
        .stdin(Stdio::null())
        .output();
    match openssl {
        Ok(out) if out.status.success() => {
            let hash = String::from_utf8(out.stdout).unwrap();
            assert!(hash.starts_with("$apr1$"), "{hash}");
            format!("{user}:{}\n", hash.trim())
        }
        _ => format!("{user}:{{PLAIN}}{password}\n"),
    }
}

/// A running nginx, killed (and reaped) when dropped, also when a test fails.
#[derive(Debug)]
pub struct Running {
    child: Child,
    log: PathBuf,
}

impl Running {
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts nginx in the foreground as one process (`master_process off`: killing the
/// child stops everything), and waits (bounded) until `/ready` answers.
pub fn start(dir: &Path, conf: &Path, port: u16) -> Running {
    let log = dir.join("nginx.log");
    let out = std::fs::File::create(&log).unwrap();
    let child = nginx_command(dir, conf, "daemon off; master_process off;")
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start nginx: {e}"));
    let mut running = Running { child, log };
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = running.child.try_wait().unwrap() {
            panic!("nginx exited ({status}):\n{}", running.log());
        }
        if TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1))
            .is_ok()
            && request(port, "GET", "/ready", &[], "").status == 200
        {
            return running;
        }
        assert!(
            Instant::now() < deadline,
            "nginx did not answer /ready within 15s:\n{}",
            running.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
