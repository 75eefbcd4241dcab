//! What Talos writes on a node, and how each service's lines carry their level and
//! time (read from the Talos 1.12/1.13 sources). Every agent reads the same files and
//! parses the same formats; see `config::promtail::system` for the table.

/// `/var/log/<service>.log`: files directly under /var/log (Talos >= 1.12). Rotation
/// renames a file to `<service>.log.1` at 5 MiB; those and the `pods/`, `containers/`
/// and `audit/` subtrees are never read by this job.
pub const SERVICE_LOG_GLOB: &str = "/var/log/*.log";

/// The kube-apiserver audit log: Talos makes the apiserver write it on control-plane
/// nodes (directory 0700, owned by 65534: reading it needs CAP_DAC_READ_SEARCH).
/// Rotated backups are named `kube-apiserver-<time>.log` and are not read.
pub const AUDIT_LOG_DIR: &str = "/var/log/audit/kube";
pub const AUDIT_LOG_FILE: &str = "/var/log/audit/kube/kube-apiserver.log";

/// Audit event fields kept as structured metadata (name -> path in the event).
pub const AUDIT_METADATA: [(&str, &str); 4] = [
    ("audit_id", "auditID"),
    ("user", "user.username"),
    ("resource", "objectRef.resource"),
    ("status_code", "responseStatus.code"),
];
/// The one label taken from an audit event (the API's fixed verb set).
pub const AUDIT_VERB: &str = "verb";
/// The event's time.
pub const AUDIT_TIME: &str = "stageTimestamp";

/// How one service's lines carry their level and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Go's log with date and microseconds (`2025/01/02 15:04:05.123456 msg`); machined
    /// continues multi-line messages on lines without that prefix.
    GoLog { continuation_lines: bool },
    /// kubelet: component-base JSON (`ts` epoch ms, `err` present: error, else info), or
    /// klog text (`I0102 15:04:05.123456 ...`) when the format was overridden.
    Kubelet,
    /// logrus JSON: `level`, `time` RFC 3339.
    Logrus,
    /// zap JSON: `level`, `ts` ISO 8601.
    ZapJson,
    /// zap console with ISO 8601 time and the level in ANSI colours.
    ZapConsole,
    /// Talos' kmsg lines `kern: warning: [RFC3339]: msg`.
    Kernel,
    /// JSON with a numeric syslog `severity` and a `timestamp` RFC 3339.
    Syslog,
}

/// Services whose format is known; every other file gets the generic JSON/logfmt level
/// extraction and the time it was read.
pub const SERVICES: [(&str, Format); 12] = [
    ("kubelet", Format::Kubelet),
    ("containerd", Format::Logrus),
    ("cri", Format::Logrus),
    ("etcd", Format::ZapJson),
    (
        "machined",
        Format::GoLog {
            continuation_lines: true,
        },
    ),
    (
        "apid",
        Format::GoLog {
            continuation_lines: false,
        },
    ),
    (
        "trustd",
        Format::GoLog {
            continuation_lines: false,
        },
    ),
    ("controller-runtime", Format::ZapConsole),
    ("early-startup", Format::ZapConsole),
    ("dns-resolve-cache", Format::ZapConsole),
    ("kernel", Format::Kernel),
    ("syslogd", Format::Syslog),
];

/// The names of [`SERVICES`], in order.
pub fn known_services() -> Vec<&'static str> {
    SERVICES.iter().map(|(s, _)| *s).collect()
}

/// The services of one format, in order.
pub fn services_of(f: impl Fn(Format) -> bool) -> Vec<&'static str> {
    SERVICES
        .iter()
        .filter(|(_, format)| f(*format))
        .map(|(s, _)| *s)
        .collect()
}

// Line shapes (Go RE2, each with a `time` and/or `level` group): every parsing step is
// gated by them, so a line of another shape is left alone instead of misread.

/// `2025/01/02 15:04:05.123456 ` (Go's log with Ldate|Lmicroseconds, UTC on Talos).
pub const GO_LOG_TIME: &str =
    "^(?P<time>[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{6}) ";
/// zap's console encoder with ISO8601 time: `2025-01-02T15:04:06.345Z INFO msg`.
pub const ZAP_CONSOLE: &str = "^(?P<time>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?(Z|[+-][0-9]{4})) +(?P<level>[A-Za-z]+) ";
/// Talos' kmsg lines: `%s: %7s: [%s]: %s` (facility, priority, RFC3339Nano time).
pub const KERNEL_LINE: &str = "^[a-z0-9]+: *(?P<level>[a-z]+): [[](?P<time>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2}))[]]: ";
/// Times inside JSON, checked for shape before the timestamp stage sees them (a value
/// of another shape is left alone instead of being misread).
pub const RFC3339_VALUE: &str = "^(?P<time>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2}))$";
pub const ISO8601_VALUE: &str = "^(?P<time>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?(Z|[+-][0-9]{4}))$";
/// Epoch milliseconds (12 to 14 digits: 2001 to 5138), the fraction cut off.
pub const EPOCH_MS_VALUE: &str = "^(?P<time>[0-9]{12,14})([.][0-9]+)?$";

/// klog's text header: `I0102 15:04:05.123456    1234 file.go:123] msg`.
pub const KLOG_LINE: &str = "^(?P<level>[IWEF])[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}";

/// ANSI colour and control sequences, as Loki's `decolorize` removes them.
pub const ANSI: &str = "[\u{1B}\u{9B}][[\\]()#;?]*(?:(?:(?:[a-zA-Z\\d]*(?:;[a-zA-Z\\d]*)*)?\u{7})|(?:(?:\\d{1,4}(?:;\\d{0,4})*)?[\\dA-PRZcf-ntqry=><~]))";

/// Talos' own log sender (`machine.logging.destinations`, json_lines): the fields of
/// each line. The kernel log (`talos.logging.kernel`) has no `talos-service`.
pub const RECEIVER_MESSAGE: &str = "msg";
pub const RECEIVER_SERVICE: &str = "talos-service";
pub const RECEIVER_LEVEL: &str = "talos-level";
pub const RECEIVER_TIME: &str = "talos-time";
/// The `service` of kernel lines, as for the file path.
pub const KERNEL_SERVICE: &str = "kernel";
