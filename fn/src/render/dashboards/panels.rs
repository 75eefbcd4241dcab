//! The dashboard JSON builders both dashboards use: layout, panels, variables.

use serde_json::{Value, json};

/// Grafana 11/12 dashboards (Grafana migrates older ones on load; newer are refused).
pub const SCHEMA_VERSION: u32 = 39;

/// Tag of both dashboards; their links find each other by it.
pub const TAG: &str = "loki-stack";

/// Panels referring to Prometheus go through this datasource-type variable, so the
/// dashboards work whatever the Prometheus datasource's uid.
pub const PROMETHEUS_VAR: &str = "datasource";

pub fn prometheus() -> Value {
    json!({"type": "prometheus", "uid": format!("${{{PROMETHEUS_VAR}}}")})
}

pub fn loki(uid: &str) -> Value {
    json!({"type": "loki", "uid": uid})
}

/// Lays panels out left to right, rows of 24 units, and numbers them.
#[derive(Debug, Default)]
pub struct Board {
    panels: Vec<Value>,
    x: u32,
    y: u32,
    height: u32,
}

impl Board {
    /// A row header across the board.
    pub fn row(&mut self, title: &str) {
        self.newline();
        let id = self.panels.len() + 1;
        self.panels.push(json!({
            "id": id,
            "type": "row",
            "title": title,
            "collapsed": false,
            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y},
            "panels": [],
        }));
        self.y += 1;
    }

    /// A panel `w` wide and `h` high, after the previous one (or on a new line).
    pub fn add(&mut self, w: u32, h: u32, mut panel: Value) {
        if self.x + w > 24 {
            self.newline();
        }
        if let Some(p) = panel.as_object_mut() {
            p.shift_insert(0, "id".to_owned(), json!(self.panels.len() + 1));
            p.insert(
                "gridPos".to_owned(),
                json!({"h": h, "w": w, "x": self.x, "y": self.y}),
            );
        }
        self.panels.push(panel);
        self.x += w;
        self.height = self.height.max(h);
    }

    fn newline(&mut self) {
        self.y += self.height;
        self.x = 0;
        self.height = 0;
    }

    pub fn panels(self) -> Vec<Value> {
        self.panels
    }
}

/// Moves `value` into the (null) placeholder at `pointer`.
fn put(doc: &mut Value, pointer: &str, value: Value) {
    if let Some(slot) = doc.pointer_mut(pointer) {
        *slot = value;
    }
}

/// A query of a panel; `refId`s are given by the panel.
pub fn target(datasource: &Value, expr: String, legend: &str) -> Value {
    json!({
        "datasource": datasource,
        "expr": expr,
        "legendFormat": legend,
    })
}

fn with_ref_ids(targets: Vec<Value>) -> Vec<Value> {
    targets
        .into_iter()
        .zip('A'..='Z')
        .map(|(mut t, r)| {
            if let Some(o) = t.as_object_mut() {
                o.shift_insert(0, "refId".to_owned(), json!(r.to_string()));
            }
            t
        })
        .collect()
}

/// A time series panel. `bars`: log volume style (stacked bars).
pub fn timeseries(
    title: &str,
    description: &str,
    datasource: &Value,
    unit: &str,
    bars: bool,
    targets: Vec<Value>,
) -> Value {
    let custom = if bars {
        json!({"drawStyle": "bars", "fillOpacity": 80, "stacking": {"mode": "normal", "group": "A"}, "lineWidth": 1})
    } else {
        json!({"drawStyle": "line", "fillOpacity": 10, "lineWidth": 1, "showPoints": "never"})
    };
    // Values are moved in after: `json!` would copy them (it serializes what it embeds).
    let mut panel = json!({
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": datasource,
        "fieldConfig": {"defaults": {"unit": unit, "min": 0, "custom": null}, "overrides": []},
        "options": {
            "legend": {"displayMode": "list", "placement": "bottom", "showLegend": true},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
        "targets": null,
    });
    put(&mut panel, "/fieldConfig/defaults/custom", custom);
    put(&mut panel, "/targets", Value::Array(with_ref_ids(targets)));
    panel
}

/// A logs panel of one LogQL query.
pub fn logs_panel(title: &str, description: &str, datasource: &Value, expr: String) -> Value {
    json!({
        "type": "logs",
        "title": title,
        "description": description,
        "datasource": datasource,
        "options": {
            "showTime": true,
            "showLabels": false,
            "wrapLogMessage": true,
            "prettifyLogMessage": false,
            "enableLogDetails": true,
            "dedupStrategy": "none",
            "sortOrder": "Descending",
        },
        "targets": with_ref_ids(vec![json!({"datasource": datasource, "expr": expr, "queryType": "range"})]),
    })
}

/// The Prometheus datasource variable every Prometheus panel uses.
pub fn prometheus_variable() -> Value {
    json!({
        "name": PROMETHEUS_VAR,
        "label": "Prometheus",
        "type": "datasource",
        "query": "prometheus",
        "regex": "",
        "current": {},
        "options": [],
        "hide": 0,
        "refresh": 1,
    })
}

/// A query variable (`label_values(...)`), multi-valued with "All" as `all_value`.
pub fn query_variable(
    name: &str,
    label: &str,
    datasource: &Value,
    query: &str,
    all_value: &str,
) -> Value {
    json!({
        "name": name,
        "label": label,
        "type": "query",
        "datasource": datasource,
        "definition": query,
        "query": query,
        "regex": "",
        "sort": 1,
        "refresh": 2,
        "includeAll": true,
        "multi": true,
        "allValue": all_value,
        "current": {"selected": true, "text": ["All"], "value": ["$__all"]},
        "options": [],
        "hide": 0,
    })
}

pub fn dashboard(
    uid: &str,
    title: &str,
    description: &str,
    variables: Vec<Value>,
    panels: Vec<Value>,
) -> Value {
    let mut board = json!({
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["loki", TAG],
        "editable": true,
        "graphTooltip": 1,
        "timezone": "browser",
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "1m",
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "links": [{
            "type": "dashboards",
            "title": "Loki stack",
            "tags": [TAG],
            "asDropdown": false,
            "includeVars": false,
            "keepTime": true,
        }],
        "annotations": {"list": []},
        "templating": {"list": null},
        "panels": null,
    });
    // Moved in, not copied (`json!` serializes what it embeds).
    put(&mut board, "/templating/list", Value::Array(variables));
    put(&mut board, "/panels", Value::Array(panels));
    board
}
