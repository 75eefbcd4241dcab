//! `promtail.yaml` of Promtail 3.6, the subset this stack sets.
//!
//! Promtail runs with `-config.expand-env=true` so that pod discovery can be limited to
//! its own node (`spec.nodeName=${HOSTNAME}`). Promtail's env expansion (drone/envsubst)
//! works on the raw file text: it also turns `$$` into `$`, `\\` into `\` and `\/` into
//! `/`, and expands every `${...}`. So the rendered file must contain none of those but
//! `${HOSTNAME}`; `check_expand_env_safe` enforces it. That is why the regular
//! expressions below use no backslashes (`[{]` instead of `\{`), and why the match
//! selectors, which must quote `"` as `\"` (Promtail's match stage parser has no
//! backtick strings), are written as YAML literal blocks, where a backslash is not
//! doubled.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::spec::Resolved;

pub const CONFIG_DIR: &str = "/etc/promtail";
pub const CONFIG_FILE: &str = "promtail.yaml";
/// Where the host's positions directory is mounted in the container.
pub const POSITIONS_MOUNT: &str = "/var/lib/promtail";
/// Where the gateway password is mounted (key `password`), with gateway auth on.
pub const GATEWAY_AUTH_DIR: &str = "/etc/loki-gateway-auth";
pub const PODS_LOG_DIR: &str = "/var/log/pods";
pub const HTTP_PORT: u16 = 9080;
pub const JOB: &str = "kubernetes-pods";
/// The only variable the config may reference (set from `spec.nodeName`).
pub const NODE_ENV: &str = "HOSTNAME";

#[derive(Debug, Serialize)]
pub struct Config {
    pub server: Server,
    pub clients: Vec<Client>,
    pub positions: Positions,
    pub scrape_configs: Vec<ScrapeConfig>,
    pub tracing: Tracing,
}

#[derive(Debug, Serialize)]
pub struct Server {
    pub http_listen_port: u16,
    /// 0: no gRPC listener. Its default, 9095, is Loki's gRPC port.
    pub grpc_listen_port: u16,
    pub log_level: &'static str,
    pub log_format: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Client {
    pub url: String,
    /// `X-Scope-OrgID` of every push (tenancy on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
}

/// Login at the gateway; the password is read from the mounted Secret.
#[derive(Debug, Serialize)]
pub struct BasicAuth {
    pub username: String,
    pub password_file: String,
}

#[derive(Debug, Serialize)]
pub struct Positions {
    pub filename: String,
}

#[derive(Debug, Serialize)]
pub struct Tracing {
    pub enabled: bool,
}

#[derive(Debug, Serialize)]
pub struct ScrapeConfig {
    pub job_name: &'static str,
    pub kubernetes_sd_configs: Vec<KubernetesSd>,
    pub pipeline_stages: Vec<Stage>,
    pub relabel_configs: Vec<Relabel>,
}

#[derive(Debug, Serialize)]
pub struct KubernetesSd {
    pub role: &'static str,
    pub selectors: Vec<SdSelector>,
}

#[derive(Debug, Serialize)]
pub struct SdSelector {
    pub role: &'static str,
    pub field: String,
}

/// One pipeline stage; serialized as `{<stage name>: <config>}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Cri(BTreeMap<String, String>),
    Match(Match),
    Json(Json),
    Logfmt(Logfmt),
    Template(Template),
    Labels(BTreeMap<String, String>),
}

#[derive(Debug, Serialize)]
pub struct Match {
    /// A literal block in YAML: its `\"` escapes reach Promtail untouched.
    pub selector: serde_saphyr::LitString,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Serialize)]
pub struct Json {
    pub expressions: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct Logfmt {
    pub mapping: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct Template {
    pub source: &'static str,
    pub template: serde_saphyr::LitString,
}

#[derive(Debug, Default, Serialize)]
pub struct Relabel {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub source_labels: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub separator: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_label: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<&'static str>,
    pub action: &'static str,
}

/// Lines that look like a JSON object.
pub const JSON_LINE: &str = "^[[:space:]]*[{]";

/// A line go-logfmt decodes without error (Promtail logs `level=error ... failed to
/// decode logfmt` for any other line fed to its logfmt stage). Deliberately stricter
/// than the decoder: pairs are separated by spaces or tabs only, no control character
/// (DEL included) appears anywhere, keys hold no U+FFFD, and quoted values hold only the
/// escapes the decoder accepts. Lines it refuses are still shipped, just without a
/// parsed level. Checked against a port of the decoder in the tests below.
///
/// Written without a single backslash (see the module docs): `BACKSLASH` is the class of
/// every character but the backslash, negated.
pub const LOGFMT_LINE: &str = concat!(
    "^[[:blank:]]*",
    logfmt_pair!(),
    "([[:blank:]]+",
    logfmt_pair!(),
    ")*[[:blank:]]*$",
);

/// Matches exactly one backslash: not `]`..`~`, not non-ASCII, not a control
/// character, not space, not `!`..`[`.
pub const BACKSLASH: &str = "[^]^-~[:^ascii:][:cntrl:] !-[]";

macro_rules! logfmt_pair {
    () => {
        concat!(
            // key: anything but blanks, controls, '=', '"' and U+FFFD
            "[^[:cntrl:] =\"\u{FFFD}]+",
            "(=(",
            // unquoted value
            "[^[:cntrl:] =\"]*",
            "|",
            // quoted value: plain characters or a valid escape
            "\"(",
            "[^[:cntrl:][:punct:]]|[]!#-/:-@Z-[^-`{-~]",
            "|",
            "[^]^-~[:^ascii:][:cntrl:] !-[]",
            "([\"/'bfnrt]|[^]^-~[:^ascii:][:cntrl:] !-[]|u[0-9a-fA-F]{4})",
            ")*\"",
            "))?",
        )
    };
}
use logfmt_pair;

/// Lines of 16000 characters or more: go-logfmt reads through a 64 KiB `bufio.Scanner`
/// and fails ("token too long") on longer lines, and 16000 characters of at most 4
/// bytes stay under it. Go's regexp caps a repeat count at 1000, nested ones included,
/// hence the chain.
pub fn long_line() -> String {
    format!("^{}", ".{1000}".repeat(LONG_LINE_CHARS / 1000))
}

pub const LONG_LINE_CHARS: usize = 16_000;
/// The decoder's buffer: any line shorter than LONG_LINE_CHARS characters fits it.
const LOGFMT_DECODER_BUFFER: usize = 64 * 1024;
const _: () =
    assert!(4 * LONG_LINE_CHARS < LOGFMT_DECODER_BUFFER && LONG_LINE_CHARS.is_multiple_of(1000));

/// A `level=` key somewhere in the line.
pub const HAS_LEVEL_KEY: &str = "(^|[[:blank:]])level=";

/// The fixed set of `level` label values, and what maps onto each (lowercased).
pub const LEVELS: [(&str, &[&str]); 6] = [
    ("trace", &["trace", "trc", "10"]),
    ("debug", &["debug", "dbg", "dbug", "20"]),
    (
        "info",
        &[
            "info",
            "inf",
            "information",
            "informational",
            "notice",
            "30",
        ],
    ),
    ("warn", &["warn", "warning", "wrn", "40"]),
    ("error", &["error", "err", "eror", "50"]),
    (
        "fatal",
        &[
            "fatal",
            "ftl",
            "critical",
            "crit",
            "panic",
            "dpanic",
            "alert",
            "emerg",
            "emergency",
            "60",
        ],
    ),
];
/// What any other non-empty level becomes, so the label's cardinality stays bounded.
pub const OTHER_LEVEL: &str = "unknown";

/// Go template for Promtail's `template` stage: lowercases the extracted `level` and
/// maps it onto `LEVELS`. An absent level renders empty, which leaves it unset.
pub fn level_template() -> String {
    let mut t = String::from("{{ if .Value }}{{ with ToLower .Value }}");
    for (i, (level, spellings)) in LEVELS.iter().enumerate() {
        let cond = spellings
            .iter()
            .map(|s| format!("(eq . \"{s}\")"))
            .collect::<Vec<_>>()
            .join(" ");
        t.push_str(if i == 0 {
            "{{ if or "
        } else {
            "{{ else if or "
        });
        t.push_str(&cond);
        t.push_str(&format!(" }}}}{level}"));
    }
    t.push_str(&format!(
        "{{{{ else }}}}{OTHER_LEVEL}{{{{ end }}}}{{{{ end }}}}{{{{ end }}}}"
    ));
    t
}

fn relabel_replace(source: &[&'static str], target: &'static str) -> Relabel {
    Relabel {
        source_labels: source.to_vec(),
        target_label: Some(target),
        action: "replace",
        ..Relabel::default()
    }
}

/// A LogQL double-quoted string (Promtail's match stage parser knows no backticks).
fn logql_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn pipeline() -> Vec<Stage> {
    let selector = |filters: &[(&str, &str)]| {
        let mut s = format!("{{job={}}}", logql_string(JOB));
        for (op, regex) in filters {
            s.push_str(&format!(" {op} {}", logql_string(regex)));
        }
        serde_saphyr::LitString(s)
    };
    vec![
        Stage::Cri(BTreeMap::new()),
        Stage::Match(Match {
            selector: selector(&[("|~", JSON_LINE)]),
            stages: vec![Stage::Json(Json {
                expressions: BTreeMap::from([
                    ("level".to_owned(), "level || lvl || severity".to_owned()),
                    ("msg".to_owned(), "msg || message".to_owned()),
                ]),
            })],
        }),
        Stage::Match(Match {
            selector: selector(&[
                ("!~", JSON_LINE),
                ("|~", HAS_LEVEL_KEY),
                ("!~", &long_line()),
                ("|~", LOGFMT_LINE),
            ]),
            stages: vec![Stage::Logfmt(Logfmt {
                mapping: BTreeMap::from([("level".to_owned(), "level".to_owned())]),
            })],
        }),
        Stage::Template(Template {
            source: "level",
            template: serde_saphyr::LitString(level_template()),
        }),
        Stage::Labels(BTreeMap::from([("level".to_owned(), "level".to_owned())])),
    ]
}

fn relabels(r: &Resolved) -> Vec<Relabel> {
    let mut out = Vec::new();
    if !r.collector.exclude_namespaces.is_empty() {
        out.push(Relabel {
            source_labels: vec!["__meta_kubernetes_namespace"],
            regex: Some(r.collector.exclude_namespaces.join("|")),
            action: "drop",
            ..Relabel::default()
        });
    }
    out.extend([
        // Promtail tails only targets whose __host__ is its own HOSTNAME (the node).
        relabel_replace(&["__meta_kubernetes_pod_node_name"], "__host__"),
        Relabel {
            source_labels: vec!["__meta_kubernetes_pod_controller_name"],
            regex: Some("([0-9a-z-.]+?)(-[0-9a-f]{8,10})?".to_owned()),
            target_label: Some("__tmp_controller_name"),
            action: "replace",
            ..Relabel::default()
        },
        Relabel {
            // The first that is set: the recommended label, the classic ones (system pods
            // and Talos' static control-plane pods use k8s-app / component), the owning
            // controller without its hash suffix, the pod name.
            source_labels: vec![
                "__meta_kubernetes_pod_label_app_kubernetes_io_name",
                "__meta_kubernetes_pod_label_app",
                "__meta_kubernetes_pod_label_k8s_app",
                "__meta_kubernetes_pod_label_component",
                "__tmp_controller_name",
                "__meta_kubernetes_pod_name",
            ],
            regex: Some("^;*([^;]+)(;.*)?$".to_owned()),
            target_label: Some("app"),
            action: "replace",
            ..Relabel::default()
        },
        relabel_replace(&["__meta_kubernetes_namespace"], "namespace"),
        relabel_replace(&["__meta_kubernetes_pod_name"], "pod"),
        relabel_replace(&["__meta_kubernetes_pod_container_name"], "container"),
        relabel_replace(&["__meta_kubernetes_pod_node_name"], "node"),
        Relabel {
            target_label: Some("job"),
            replacement: Some(JOB),
            action: "replace",
            ..Relabel::default()
        },
        Relabel {
            source_labels: vec![
                "__meta_kubernetes_pod_uid",
                "__meta_kubernetes_pod_container_name",
            ],
            separator: Some("/"),
            target_label: Some("__path__"),
            replacement: Some("/var/log/pods/*$1/*.log"),
            action: "replace",
            ..Relabel::default()
        },
        // Static pods (the control plane on Talos) log under their config hash, not the
        // mirror pod's UID.
        Relabel {
            source_labels: vec![
                "__meta_kubernetes_pod_annotationpresent_kubernetes_io_config_hash",
                "__meta_kubernetes_pod_annotation_kubernetes_io_config_hash",
                "__meta_kubernetes_pod_container_name",
            ],
            separator: Some("/"),
            regex: Some("true/(.*)".to_owned()),
            target_label: Some("__path__"),
            replacement: Some("/var/log/pods/*$1/*.log"),
            action: "replace",
        },
    ]);
    out
}

pub fn build(r: &Resolved) -> Config {
    Config {
        server: Server {
            http_listen_port: HTTP_PORT,
            grpc_listen_port: 0,
            log_level: "info",
            log_format: "logfmt",
        },
        clients: vec![Client {
            url: r.push_url(),
            tenant_id: r.tenancy.enabled.then(|| r.tenancy.tenant_id.clone()),
            basic_auth: r
                .gateway
                .as_ref()
                .and_then(|g| g.auth.as_ref())
                .map(|a| BasicAuth {
                    username: a.username.clone(),
                    password_file: format!("{GATEWAY_AUTH_DIR}/password"),
                }),
        }],
        positions: Positions {
            filename: format!("{POSITIONS_MOUNT}/positions.yaml"),
        },
        scrape_configs: vec![ScrapeConfig {
            job_name: JOB,
            kubernetes_sd_configs: vec![KubernetesSd {
                role: "pod",
                selectors: vec![SdSelector {
                    role: "pod",
                    field: format!("spec.nodeName=${{{NODE_ENV}}}"),
                }],
            }],
            pipeline_stages: pipeline(),
            relabel_configs: relabels(r),
        }],
        tracing: Tracing { enabled: false },
    }
}

/// The rendered file must mean the same after Promtail's `-config.expand-env`.
pub fn check_expand_env_safe(text: &str) -> Result<(), String> {
    super::expand_env::check(text, &[NODE_ENV], "Promtail", false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// go-logfmt's decoder (github.com/go-logfmt/logfmt, decode.go), ported line by
    /// line: Err is exactly when Promtail would log "failed to decode logfmt".
    fn go_logfmt_decode(line: &[u8]) -> Result<(), &'static str> {
        let mut pos = 0;
        loop {
            // garbage
            match line
                .get(pos..)
                .and_then(|rest| rest.iter().position(|&c| c > b' '))
            {
                Some(p) => pos += p,
                None => return Ok(()),
            }
            // key
            let start = pos;
            let mut multibyte = false;
            let mut key_end = None;
            while let Some(&c) = line.get(pos) {
                if c == b'=' {
                    if pos == start {
                        return Err("unexpected '='");
                    }
                    key_end = Some(pos);
                    break;
                } else if c == b'"' {
                    return Err("unexpected '\"'");
                } else if c <= b' ' {
                    break;
                } else if c >= 0x80 {
                    multibyte = true;
                }
                pos += 1;
            }
            let key = line.get(start..key_end.unwrap_or(pos)).unwrap_or_default();
            if multibyte && String::from_utf8_lossy(key).contains('\u{FFFD}') {
                return Err("invalid key");
            }
            if key_end.is_none() {
                continue;
            }
            // equal
            pos += 1;
            match line.get(pos) {
                None => return Ok(()),
                Some(&c) if c <= b' ' => continue,
                Some(b'"') => {
                    // quoted value
                    let mut esc = false;
                    let mut has_esc = false;
                    let qstart = pos;
                    pos += 1;
                    let mut closed = false;
                    while let Some(&c) = line.get(pos) {
                        if esc {
                            esc = false;
                        } else if c == b'\\' {
                            esc = true;
                            has_esc = true;
                        } else if c == b'"' {
                            closed = true;
                            pos += 1;
                            break;
                        }
                        pos += 1;
                    }
                    if !closed {
                        return Err("unterminated quoted value");
                    }
                    if has_esc {
                        let inner = line.get(qstart + 1..pos - 1).unwrap_or_default();
                        let text =
                            std::str::from_utf8(inner).map_err(|_| "invalid quoted value")?;
                        let mut chars = text.chars();
                        while let Some(c) = chars.next() {
                            if c == '\\' {
                                match chars.next() {
                                    Some('"' | '\\' | '/' | '\'' | 'b' | 'f' | 'n' | 'r' | 't') => {
                                    }
                                    Some('u') => {
                                        let hex: String = chars.by_ref().take(4).collect();
                                        if hex.len() != 4
                                            || !hex.chars().all(|h| h.is_ascii_hexdigit())
                                        {
                                            return Err("invalid quoted value");
                                        }
                                    }
                                    _ => return Err("invalid quoted value"),
                                }
                            } else if (c as u32) < 0x20 {
                                return Err("invalid quoted value");
                            }
                        }
                    }
                }
                Some(_) => {
                    // unquoted value
                    while let Some(&c) = line.get(pos) {
                        if c == b'=' || c == b'"' {
                            return Err("unexpected byte in value");
                        }
                        if c <= b' ' {
                            break;
                        }
                        pos += 1;
                    }
                }
            }
        }
    }

    fn gate() -> regex::bytes::Regex {
        regex::bytes::Regex::new(LOGFMT_LINE).unwrap()
    }

    /// A small deterministic generator (no test-only dependency needed).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
        fn pick<'a>(&mut self, xs: &[&'a [u8]]) -> &'a [u8] {
            let i = usize::try_from(self.next()).unwrap_or(0) % xs.len();
            xs[i]
        }
    }

    #[test]
    fn the_logfmt_gate_only_admits_lines_go_logfmt_decodes() {
        let pieces: &[&[u8]] = &[
            b"level",
            b"=",
            b"info",
            b"\"",
            b" ",
            b"  ",
            b"\t",
            b"msg",
            b"\\",
            b"\\\"",
            b"\\n",
            b"\\q",
            b"\\u00e9",
            b"\\u12",
            b"a b",
            b"x",
            b"ts=2024-01-01T00:00:00Z",
            b"\xef\xbf\xbd",
            b"\xff",
            b"\xc3\xa9",
            b"\x01",
            b"\x7f",
            b"{",
            b"}",
            b"[",
            b"]",
            b"`",
            b"'",
            b"/",
            b"\"quoted value\"",
            b"k=v",
            b"=x",
        ];
        let gate = gate();
        let mut rng = Lcg(42);
        let (mut admitted, mut clean_rejected) = (0, 0);
        for _ in 0..300_000 {
            let n = 1 + usize::try_from(rng.next() % 12).unwrap_or(0);
            let line: Vec<u8> = (0..n).flat_map(|_| rng.pick(pieces).to_vec()).collect();
            if gate.is_match(&line) {
                admitted += 1;
                assert_eq!(
                    go_logfmt_decode(&line),
                    Ok(()),
                    "gate admits a line go-logfmt refuses: {:?}",
                    String::from_utf8_lossy(&line)
                );
            } else if go_logfmt_decode(&line).is_ok() {
                clean_rejected += 1;
            }
        }
        assert!(
            admitted > 10_000,
            "the gate admits too little to be useful: {admitted}"
        );
        // Strictness costs some parseable lines; they are still shipped, just without level.
        assert!(clean_rejected > 0);
    }

    #[test]
    fn the_logfmt_gate_admits_real_logfmt() {
        let gate = gate();
        for line in [
            "level=info msg=\"starting server\" addr=:8080",
            "ts=2024-05-01T10:00:00.000Z caller=main.go:12 level=warn msg=slow duration=1.5s",
            "time=\"2024-05-01T10:00:00Z\" level=error msg=\"connection refused (retrying)\" attempt=3",
            "level=debug",
            "t=2024 lvl=info level=INFO path=/api/v1/push status=204",
            "level=info key=\"with \\\"escaped\\\" quotes\" path=\"C:\\\\tmp\" u=\"\\u00e9\"",
            "level=warn msg=\"[brackets] and `ticks`\"",
        ] {
            assert!(gate.is_match(line.as_bytes()), "{line}");
            assert_eq!(go_logfmt_decode(line.as_bytes()), Ok(()));
        }
        for line in [
            "{\"level\":\"info\"}",
            "level=info msg=\"unterminated",
            "level=info msg=\"bad \\q escape\"",
            "plain text level=info with \"quotes\"",
            "level=info a==b",
        ] {
            assert!(!gate.is_match(line.as_bytes()), "{line}");
        }
        let json = regex::Regex::new(JSON_LINE).unwrap();
        assert!(json.is_match("  {\"level\":\"info\"}"));
        assert!(!json.is_match("level=info {"));
        let has_level = regex::Regex::new(HAS_LEVEL_KEY).unwrap();
        assert!(has_level.is_match("ts=1 level=info"));
        assert!(!has_level.is_match("loglevel=info"));
    }

    #[test]
    fn lines_too_long_for_the_decoder_are_not_gated_in() {
        // Rust's regex compiles Unicode `.` larger than Go's; raise its size limit.
        let long = regex::RegexBuilder::new(&long_line())
            .size_limit(1 << 30)
            .build()
            .unwrap();
        let line = |n: usize| format!("level=info msg={}", "x".repeat(n - 15));
        assert!(!long.is_match(&line(LONG_LINE_CHARS - 1)));
        assert!(long.is_match(&line(LONG_LINE_CHARS)));
        assert!(
            long.is_match(&"é".repeat(16_000)),
            "counts characters, not bytes"
        );
    }

    #[test]
    fn backslash_class_matches_only_a_backslash() {
        let class = regex::Regex::new(&format!("^{BACKSLASH}$")).unwrap();
        let matched: Vec<char> = (0..0x3_0000)
            .filter_map(char::from_u32)
            .filter(|c| class.is_match(&c.to_string()))
            .collect();
        assert_eq!(matched, ['\\']);
        assert!(!BACKSLASH.contains('\\'));
        assert_eq!(
            LOGFMT_LINE.matches(BACKSLASH).count(),
            4,
            "the pair macro spells BACKSLASH out"
        );
    }

    #[test]
    fn every_level_spelling_maps_to_one_level() {
        let mut seen = std::collections::BTreeSet::new();
        for (level, spellings) in LEVELS {
            assert!(spellings.contains(&level), "{level} maps to itself");
            for s in spellings {
                assert!(seen.insert(*s), "{s} is mapped twice");
                assert_eq!(s.to_ascii_lowercase(), *s, "compared after ToLower");
            }
        }
        let t = level_template();
        assert_eq!(t.matches("{{").count(), t.matches("}}").count());
        assert!(
            !t.contains('$'),
            "no template variables: expand-env would see them"
        );
    }

    fn resolved(extra: &str) -> Resolved {
        let doc: serde_json::Value = crate::yaml::from_str(&format!(
            "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata: {{name: loki}}\nspec:\n  profile: local\n  retention: {{period: 72h}}\n{extra}"
        ))
        .unwrap();
        crate::spec::parse(&doc).unwrap()
    }

    #[test]
    fn excluded_namespaces_are_dropped_before_anything_else() {
        let with = relabels(&resolved(
            "  collector: {pods: {excludeNamespaces: [payments, kube-public]}}\n",
        ));
        assert_eq!(with[0].action, "drop");
        assert_eq!(with[0].source_labels, ["__meta_kubernetes_namespace"]);
        assert_eq!(with[0].regex.as_deref(), Some("payments|kube-public"));
        let without = relabels(&resolved(""));
        assert!(without.iter().all(|r| r.action != "drop"));
    }

    #[test]
    fn the_rendered_config_survives_expand_env() {
        let text = crate::yaml::to_string(&build(&resolved(""))).unwrap();
        assert_eq!(check_expand_env_safe(&text), Ok(()));
        assert!(text.contains("field: spec.nodeName=${HOSTNAME}"));
        assert!(
            text.contains("selector: |-"),
            "selectors are literal blocks:\n{text}"
        );
        // Promtail's match-stage parser knows no backtick strings.
        assert!(!text.contains("~ `"), "backtick LogQL string:\n{text}");
    }

    #[test]
    fn expand_env_safety_check() {
        assert!(check_expand_env_safe("field: spec.nodeName=${HOSTNAME}\nx: $1\n").is_ok());
        assert!(check_expand_env_safe("x: ${HOME}").is_err());
        assert!(check_expand_env_safe("x: $$1").is_err());
        assert!(check_expand_env_safe("x: \"a\\\\b\"").is_err());
        assert!(check_expand_env_safe("x: a\\/b").is_err());
    }
}
