//! Loki's Services: per component a ClusterIP Service `loki-<component>` (HTTP and
//! gRPC) and a headless `loki-<component>-headless` (every pod, for gRPC clients that
//! balance themselves and for StatefulSet pod DNS); per ingester zone a headless
//! Service; and `loki-memberlist`, the ring's join address.

use k8s_openapi::api::core::v1::{Service, ServiceSpec};

use crate::config::loki as cfg;
use crate::contract::{self as names, GRPC, HTTP_METRICS, LOKI};
use crate::render::labels::{self, Component, Labels};
use crate::render::meta::object_meta;
use crate::render::pod::service_port;
use crate::spec::Resolved;
use crate::spec::resolved::Part;

/// A Loki component: `app.kubernetes.io/name: loki`, its role as the component.
pub fn component(r: &Resolved, part: Part) -> Component<'_> {
    Component {
        app: LOKI,
        role: part.role(),
        image: r.central.as_ref().map(|c| c.loki.image.as_str()),
    }
}

/// Pod label of every ring member; `loki-memberlist` selects it.
pub const MEMBERLIST_LABEL: &str = "lokistack.krm.dev/memberlist";
/// Pod (and selector) label of a zone's ingesters.
pub const ZONE_LABEL: &str = "lokistack.krm.dev/ingester-zone";
/// Services with this label are not scraped (headless twins, memberlist).
pub const NO_SCRAPE: (&str, &str) = ("prometheus.io/service-monitor", "false");

/// `zone-a`, `zone-b`, ... : the StatefulSet suffix of the i-th zone.
pub fn zone_key(i: usize) -> String {
    let letter = char::from(b'a' + u8::try_from(i % 26).unwrap_or(0));
    format!("zone-{letter}")
}

fn service(
    r: &Resolved,
    name: &str,
    mut meta_labels: Labels,
    selector: Labels,
    headless: bool,
) -> Service {
    if headless {
        meta_labels.insert(NO_SCRAPE.0.to_owned(), NO_SCRAPE.1.to_owned());
    }
    Service {
        metadata: object_meta(name, Some(&r.namespace), meta_labels),
        spec: Some(ServiceSpec {
            type_: (!headless).then(|| "ClusterIP".to_owned()),
            cluster_ip: headless.then(|| "None".to_owned()),
            ports: Some(vec![
                service_port(HTTP_METRICS, cfg::HTTP_PORT),
                service_port(GRPC, cfg::GRPC_PORT),
            ]),
            selector: Some(selector),
            publish_not_ready_addresses: headless.then_some(true),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

pub fn services(r: &Resolved) -> Vec<Service> {
    let mut out = Vec::new();
    for part in r
        .components
        .keys()
        .copied()
        .filter(|p| p.loki_target().is_some())
    {
        let c = component(r, part);
        let selector = labels::selector(r, c);
        out.push(service(
            r,
            &part.service(),
            labels::common(r, c),
            selector.clone(),
            false,
        ));
        out.push(service(
            r,
            &part.headless(),
            labels::common(r, c),
            selector.clone(),
            true,
        ));
        if part == Part::Ingester {
            for i in 0..r.zones.len() {
                let mut zone_selector = selector.clone();
                zone_selector.insert(ZONE_LABEL.to_owned(), zone_key(i));
                out.push(service(
                    r,
                    &format!("{}-{}-headless", part.service(), zone_key(i)),
                    labels::common(r, c),
                    zone_selector,
                    true,
                ));
            }
        }
    }
    if r.workload(Part::SingleBinary).is_none() {
        out.push(memberlist(r));
    }
    out
}

/// The ring's join address: every ring member, ready or not (a starting ingester must
/// be found to join).
fn memberlist(r: &Resolved) -> Service {
    let mut l = labels::stack(r);
    l.insert("app.kubernetes.io/name".to_owned(), names::LOKI.to_owned());
    l.insert(NO_SCRAPE.0.to_owned(), NO_SCRAPE.1.to_owned());
    let selector = Labels::from([
        ("app.kubernetes.io/name".to_owned(), names::LOKI.to_owned()),
        ("app.kubernetes.io/instance".to_owned(), r.name.clone()),
        (MEMBERLIST_LABEL.to_owned(), "true".to_owned()),
    ]);
    Service {
        metadata: object_meta(names::MEMBERLIST, Some(&r.namespace), l),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".to_owned()),
            ports: Some(vec![service_port(
                names::MEMBERLIST_PORT_NAME,
                names::MEMBERLIST_PORT,
            )]),
            selector: Some(selector),
            publish_not_ready_addresses: Some(true),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}
