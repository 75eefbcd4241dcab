//! The rendered NetworkPolicies and CiliumNetworkPolicies, evaluated: a small model
//! of each API's semantics decides every flow between the stack's pods and a few
//! outside pods (Grafana, Prometheus, an ingress controller, strangers). Each flow the
//! stack needs is allowed, a sample of others is denied, and both forms give the same
//! verdict for every (source, destination, port) of the stack.
//!
//! Kubernetes semantics: a pod selected by any policy with `Ingress` in `policyTypes`
//! is isolated; a connection is allowed when some rule of a policy selecting the pod
//! matches the peer (`podSelector` alone: the policy's namespace; `namespaceSelector`
//! alone: every pod of the matching namespaces; both: both) and the port (number, or a
//! name resolved through the destination's container ports). The same for `Egress` on
//! the source's side. Cilium: an endpoint selected by a policy with an `ingress`
//! section is enforced; `fromEndpoints` selectors without a namespace label match the
//! policy's namespace only; a rule without peers (`{}`) allows nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use e2e::netpol::*;
use e2e::{docs, root, run_fn};
use serde_json::Value;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Form {
    Kubernetes,
    Cilium,
}

struct Stack {
    form: Form,
    policies: Vec<Value>,
    pods: Vec<Pod>,
    namespace: String,
}

impl Stack {
    fn render(config: &str) -> Self {
        let objects = docs(
            &run_fn(&["render", "-f", "-"], Some(config.as_bytes()))
                .ok()
                .stdout,
        );
        let np: Vec<Value> = objects
            .iter()
            .filter(|o| o["kind"] == "NetworkPolicy")
            .cloned()
            .collect();
        let cnp: Vec<Value> = objects
            .iter()
            .filter(|o| o["kind"] == "CiliumNetworkPolicy")
            .cloned()
            .collect();
        assert!(np.is_empty() || cnp.is_empty());
        let (form, policies) = if cnp.is_empty() {
            (Form::Kubernetes, np)
        } else {
            (Form::Cilium, cnp)
        };
        assert!(policies.len() >= 6, "too few policies: {}", policies.len());
        let pods = pods(&objects);
        let namespace = pods
            .iter()
            .find(|p| p.name == "promtail")
            .unwrap()
            .namespace
            .clone();
        Self {
            form,
            policies,
            pods,
            namespace,
        }
    }

    fn allows(&self, src: &Pod, dst: &Pod, port: u16) -> bool {
        let p: Vec<&Value> = self.policies.iter().collect();
        match self.form {
            Form::Kubernetes => k8s_allows(&p, src, dst, port),
            Form::Cilium => cilium_allows(&p, src, dst, port),
        }
    }

    /// The pod of a workload (`loki-ingester-zone-a`) or the first whose name starts
    /// with `prefix-`... exact names first.
    fn pod(&self, name: &str) -> &Pod {
        self.pods
            .iter()
            .find(|p| p.name == name)
            .or_else(|| self.pods.iter().find(|p| p.name.starts_with(name)))
            .unwrap_or_else(|| panic!("no pod {name}"))
    }

    fn has(&self, name: &str) -> bool {
        self.pods.iter().any(|p| p.name.starts_with(name))
    }

    fn allowed(&self, src: &Pod, dst: &str, port: u16) {
        let d = self.pod(dst);
        assert!(
            self.allows(src, d, port),
            "{:?}: {}/{} -> {dst}:{port} should be allowed",
            self.form,
            src.namespace,
            src.name
        );
    }

    fn denied(&self, src: &Pod, dst: &str, port: u16) {
        let d = self.pod(dst);
        assert!(
            !self.allows(src, d, port),
            "{:?}: {}/{} -> {dst}:{port} should be denied",
            self.form,
            src.namespace,
            src.name
        );
    }

    /// Every verdict between the stack's pods and the outside pods, on every port.
    fn flow_table(&self, outsiders: &[Pod]) -> Vec<(String, String, u16, bool)> {
        let mut out = Vec::new();
        let all: Vec<&Pod> = self.pods.iter().chain(outsiders).collect();
        for src in &all {
            for dst in &self.pods {
                for port in dst.ports.values() {
                    out.push((
                        format!("{}/{}", src.namespace, src.name),
                        dst.name.clone(),
                        *port,
                        self.allows(src, dst, *port),
                    ));
                }
            }
        }
        out
    }
}

struct Clients {
    grafana: Pod,
    prometheus: Pod,
    stranger: Pod,
    neighbour: Pod,
    ingress_controller: Pod,
}

fn clients(stack: &Stack, grafana_ns: &str, prometheus_ns: &str, exposure_ns: &str) -> Clients {
    Clients {
        grafana: outside("grafana", grafana_ns),
        prometheus: outside("prometheus", prometheus_ns),
        stranger: outside("stranger", "default"),
        // A foreign pod sharing the stack's namespace.
        neighbour: outside("neighbour", &stack.namespace),
        ingress_controller: outside("ingress-controller", exposure_ns),
    }
}

const HTTP: u16 = 3100;
const GRPC: u16 = 9095;
const MEMBERLIST: u16 = 7946;
const MEMCACHED: u16 = 11211;
const GATEWAY: u16 = 8080;
const PROMTAIL: u16 = 9080;

/// The flows every stack needs, and the sample that must be denied.
fn check(stack: &Stack, c: &Clients) {
    let promtail = stack.pod("promtail").clone();
    let gateway = stack.has("loki-gateway");
    let loki: Vec<Pod> = stack
        .pods
        .iter()
        .filter(|p| p.labels["app.kubernetes.io/name"] == "loki")
        .cloned()
        .collect();
    let (push, query, entry) = if gateway {
        ("loki-gateway", "loki-gateway", GATEWAY)
    } else if stack.has("loki-distributor") {
        ("loki-distributor", "loki-query-frontend", HTTP)
    } else if stack.has("loki-write") {
        ("loki-write", "loki-read", HTTP)
    } else {
        ("loki", "loki", HTTP)
    };
    // Collectors push; Grafana queries; Prometheus scrapes.
    stack.allowed(&promtail, push, entry);
    stack.allowed(&c.grafana, query, entry);
    for p in &loki {
        stack.allowed(&c.prometheus, &p.name, HTTP);
        stack.denied(&c.prometheus, &p.name, GRPC);
        stack.denied(&c.stranger, &p.name, HTTP);
        stack.denied(&c.neighbour, &p.name, GRPC);
        stack.denied(&c.grafana, &p.name, GRPC);
        stack.denied(&promtail, &p.name, GRPC);
        if p.ports.contains_key("tcp-memberlist") {
            stack.denied(&c.stranger, &p.name, MEMBERLIST);
            stack.denied(&promtail, &p.name, MEMBERLIST);
        }
    }
    stack.allowed(&c.prometheus, "promtail", PROMTAIL);
    // Policies match namespaces: Grafana beside Prometheus may scrape too.
    let grafana_apart = c.grafana.namespace != c.prometheus.namespace;
    if grafana_apart {
        stack.denied(&c.grafana, "promtail", PROMTAIL);
    }
    // Nobody else pushes, not even from the stack's own namespace.
    stack.denied(&c.stranger, push, entry);
    stack.denied(&c.neighbour, push, entry);
    // Foreign pods of the namespace are not isolated by the stack's policies.
    assert!(stack.allows(&c.stranger, &c.neighbour, 80));
    // Memberlist among ring members, only.
    let ring: Vec<&Pod> = loki
        .iter()
        .filter(|p| p.ports.contains_key("tcp-memberlist"))
        .collect();
    for a in &ring {
        for b in &ring {
            stack.allowed(a, &b.name, MEMBERLIST);
        }
        for outsider in loki
            .iter()
            .filter(|p| !p.ports.contains_key("tcp-memberlist"))
        {
            stack.denied(outsider, &a.name, MEMBERLIST);
        }
    }
    if gateway {
        let g = stack.pod("loki-gateway").clone();
        for p in &loki {
            stack.allowed(&g, &p.name, HTTP);
            stack.denied(&g, &p.name, GRPC);
        }
        stack.denied(&c.grafana, "loki-gateway", GATEWAY - 1);
        stack.denied(&c.stranger, "loki-gateway", GATEWAY);
        for p in loki.iter().filter(|_| grafana_apart) {
            stack.denied(&c.grafana, &p.name, HTTP);
        }
    }
    // Loki -> memcached; nothing else reaches it.
    for cache in stack.pods.iter().filter(|p| p.name.ends_with("-cache")) {
        for p in &loki {
            stack.allowed(p, &cache.name, MEMCACHED);
        }
        stack.denied(&promtail, &cache.name, MEMCACHED);
        stack.denied(&c.prometheus, &cache.name, MEMCACHED);
    }
    // Distributed: the component-to-component paths.
    if stack.has("loki-distributor") {
        let pod = |n: &str| stack.pod(n).clone();
        for (src, dst, port) in [
            ("loki-distributor", "loki-ingester", GRPC),
            ("loki-querier", "loki-ingester", GRPC),
            ("loki-query-frontend", "loki-query-scheduler", GRPC),
            ("loki-query-scheduler", "loki-query-frontend", GRPC),
            ("loki-querier", "loki-query-scheduler", GRPC),
            ("loki-query-scheduler", "loki-querier", GRPC),
            ("loki-querier", "loki-index-gateway", GRPC),
            ("loki-compactor", "loki-index-gateway", GRPC),
            ("loki-querier", "loki-compactor", HTTP),
            ("loki-querier", "loki-compactor", GRPC),
            ("loki-query-frontend", "loki-querier", HTTP),
        ] {
            stack.allowed(&pod(src), dst, port);
        }
        if stack.has("loki-ruler") {
            stack.allowed(&pod("loki-ruler"), "loki-ingester", GRPC);
            stack.allowed(&pod("loki-ruler"), "loki-index-gateway", GRPC);
            stack.allowed(&pod("loki-ruler"), "loki-query-frontend", GRPC);
        }
        if grafana_apart {
            stack.denied(&c.grafana, "loki-ingester", HTTP);
        }
        stack.denied(&c.grafana, "loki-ingester", GRPC);
        stack.denied(&pod("loki-query-frontend"), "loki-ingester", MEMBERLIST);
        stack.denied(&promtail, "loki-distributor", HTTP.min(entry));
    }
    if stack.has("loki-write") {
        for (src, dst) in [
            ("loki-write", "loki-read"),
            ("loki-read", "loki-write"),
            ("loki-read", "loki-backend"),
            ("loki-backend", "loki-write"),
        ] {
            stack.allowed(&stack.pod(src).clone(), dst, GRPC);
            stack.allowed(&stack.pod(src).clone(), dst, HTTP);
        }
        if grafana_apart {
            stack.denied(&c.grafana, "loki-write", HTTP);
        }
    }
}

fn config(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap()
}

/// The same LokiStack with `spec.network` added (spec is each file's last key).
fn with_network(config: &str, network: &str) -> String {
    assert!(!config.contains("\n  network:"));
    format!("{}\n  network: {network}\n", config.trim_end())
}

const LOCAL: &str = "kubernetes/observability/loki-stack/base/config/lokistack.yaml";
const EVERYTHING: &str = "tests/stacks/cloud-everything.yaml";
const SIMPLE_SCALABLE: &str = "tests/stacks/cloud-simple-scalable-gcs.yaml";

/// Both forms of one stack: each passes the checks, and they agree on every flow.
fn check_both(path: &str, exposure_ns: &str) {
    let text = config(path);
    let k8s = Stack::render(&text);
    assert_eq!(k8s.form, Form::Kubernetes, "{path}: the default form");
    let cilium = Stack::render(&with_network(&text, "{policies: cilium}"));
    assert_eq!(cilium.form, Form::Cilium);
    let c = clients(&k8s, "monitoring", "monitoring", exposure_ns);
    check(&k8s, &c);
    check(&cilium, &c);
    let outsiders = [
        c.grafana.clone(),
        c.prometheus.clone(),
        c.stranger.clone(),
        c.neighbour.clone(),
        c.ingress_controller.clone(),
    ];
    assert_eq!(
        k8s.flow_table(&outsiders),
        cilium.flow_table(&outsiders),
        "{path}"
    );
}

#[test]
fn local_stack_allows_exactly_its_flows() {
    check_both(LOCAL, "ingress-nginx");
}

#[test]
fn distributed_stack_with_everything_allows_exactly_its_flows() {
    check_both(EVERYTHING, "ingress-nginx");
    // The Ingress is served by ingress-nginx (the default exposure namespace).
    let stack = Stack::render(&config(EVERYTHING));
    let c = clients(&stack, "monitoring", "monitoring", "ingress-nginx");
    stack.allowed(&c.ingress_controller, "loki-gateway", GATEWAY);
    stack.denied(&c.ingress_controller, "loki-distributor", HTTP);
}

#[test]
fn simple_scalable_stack_allows_exactly_its_flows() {
    check_both(SIMPLE_SCALABLE, "ingress-nginx");
}

#[test]
fn namespaces_of_grafana_prometheus_and_the_ingress_controller_are_configurable() {
    let text = with_network(
        &config(EVERYTHING),
        "{grafanaNamespace: grafana, prometheusNamespace: prometheus, exposureNamespaces: [traefik]}",
    );
    let stack = Stack::render(&text);
    let c = clients(&stack, "grafana", "prometheus", "traefik");
    check(&stack, &c);
    let old = clients(&stack, "monitoring", "monitoring", "ingress-nginx");
    stack.denied(&old.grafana, "loki-gateway", GATEWAY);
    stack.denied(&old.prometheus, "loki-distributor", HTTP);
    stack.denied(&old.ingress_controller, "loki-gateway", GATEWAY);
    stack.allowed(&c.ingress_controller, "loki-gateway", GATEWAY);
}

#[test]
fn cilium_fixture_admits_cilium_ingress_and_its_own_namespaces() {
    let stack = Stack::render(&config("tests/stacks/cloud-cilium.yaml"));
    assert_eq!(stack.form, Form::Cilium);
    let c = clients(&stack, "grafana", "prometheus", "traefik");
    check(&stack, &c);
    let mut cilium_proxy = outside("cilium-ingress", "kube-system");
    cilium_proxy.cilium_ingress = true;
    stack.allowed(&cilium_proxy, "loki-gateway", GATEWAY);
    stack.denied(&cilium_proxy, "loki-distributor", HTTP);
    stack.allowed(&c.ingress_controller, "loki-gateway", GATEWAY);
}

#[test]
fn policies_none_renders_no_policy() {
    let text = with_network(&config(LOCAL), "{policies: none}");
    let out = run_fn(&["render", "-f", "-"], Some(text.as_bytes())).ok();
    let objects = docs(&out.stdout);
    assert!(
        !objects
            .iter()
            .any(|o| { o["kind"] == "NetworkPolicy" || o["kind"] == "CiliumNetworkPolicy" })
    );
}
