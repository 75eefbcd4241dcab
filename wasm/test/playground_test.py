#!/usr/bin/env python3
"""The playground in headless Chromium, driven over the DevTools protocol: the local
example renders 16+ objects; its Picture tab draws graph()'s Mermaid source (the golden
picture) as an SVG; an invalid retention is refused with the error next to its line, and
the refusal replaces the picture; fixing it renders again; the profile switch (the
cloud-aws picture), the keyboard and both viewport sizes work. Screenshots go to
target/playground-test/.

Usage: wasm/test/playground_test.py [SITE_DIR]   (default target/playground)
"""
import json
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from chromium import Browser, check  # noqa: E402 (tools/chromium.py: Chromium over the DevTools protocol)

SITE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/playground")
SHOTS = os.path.join(ROOT, "target/playground-test")


# What the Picture tab shows: its state, the SVG's boxes (by their bold name) and arrows,
# whether Mermaid drew our <b>/<br/> as markup, the Mermaid source.
PICTURE = """(() => {
  const box = document.getElementById('picture'), svg = box.querySelector('svg');
  return {
    state: box.dataset.state, text: box.textContent,
    svg: !!svg,
    names: svg ? [...svg.querySelectorAll('g.node')].map(n => (n.querySelector('b') || n).textContent) : [],
    arrows: svg ? svg.querySelectorAll('.edgePaths > path').length : 0,
    bold: svg ? svg.querySelectorAll('g.node b').length : 0,
    breaks: svg ? svg.querySelectorAll('g.node br').length : 0,
    literal: svg ? /<b>|<br/.test(svg.textContent) : false,
    source: document.getElementById('mermaid-source').textContent,
  };
})()"""


def arrow_count(mermaid):
    """The arrows of a `loki-stack-fn graph` flowchart: one a line, solid or dotted."""
    return sum(1 for line in mermaid.splitlines() if re.match(r"\s*\S+ (-->|-\.->)\|", line))


def golden(name):
    with open(os.path.join(ROOT, "tests/golden/graph", name), encoding="utf-8") as f:
        return f.read()


def main():
    browser = Browser(SITE, shots=SHOTS)
    try:
        p = browser.page
        p.call("Page.navigate", url=f"{browser.url}/index.html")
        p.wait("document.body && document.body.dataset.ready === 'true'", "the playground to load")
        status = p.js("document.getElementById('status').textContent")
        n = p.js("document.querySelectorAll('#objects button').length")
        check(status.startswith("Rendered") and n >= 16, f"local example renders {n} objects ({status!r})")
        check(p.js("document.getElementById('yaml').textContent.includes('kind: DaemonSet')"), "the full YAML is shown")
        p.js("document.querySelectorAll('#objects button')[0].click()")
        check(p.js("document.getElementById('yaml').textContent.startsWith('apiVersion: v1\\nkind: Namespace')"),
              "clicking an object shows that object")
        check(not p.js("document.getElementById('download').disabled"), "download is enabled")

        # The Picture tab, by keyboard: the local stack drawn by Mermaid from graph().
        p.js("document.getElementById('tab-yaml').focus()")
        p.key("ArrowRight", "ArrowRight", 39)
        check(p.js("document.activeElement.id") == "tab-picture"
              and p.js("document.getElementById('tab-picture').getAttribute('aria-selected')") == "true"
              and p.js("document.getElementById('view-yaml').hidden")
              and not p.js("document.getElementById('view-picture').hidden"),
              "ArrowRight on the tabs selects the Picture tab")
        p.wait("document.getElementById('picture').dataset.state === 'drawn'", "the local picture", timeout=60)
        mermaid_config = p.js("(c => ({securityLevel: c.securityLevel, startOnLoad: c.startOnLoad}))"
                              "(window.mermaid.mermaidAPI.getConfig())")
        check(mermaid_config == {"securityLevel": "strict", "startOnLoad": False},
              f"Mermaid runs with securityLevel strict, startOnLoad false ({mermaid_config})")
        pic = p.js(PICTURE)
        check(pic["source"] == golden("overlays-local.mmd"),
              "the Mermaid source is graph -f's (tests/golden/graph/overlays-local.mmd)")
        check(pic["svg"] and "loki" in pic["names"] and "promtail" in pic["names"],
              f"the local picture is an SVG with the boxes loki and promtail ({pic['names']})")
        want = arrow_count(pic["source"])
        check(want > 0 and pic["arrows"] == want, f"the SVG has the source's {want} arrows ({pic['arrows']})")
        check(pic["bold"] >= 2 and pic["breaks"] >= 2 and not pic["literal"],
              f"<b> and <br/> in the labels are drawn as markup ({pic['bold']} bold, {pic['breaks']} breaks)")
        p.shot("picture-local-1280x800.png")

        # An invalid retention: refused, the error names the field and marks its line.
        set_text = ("(t => { const c = document.getElementById('config'); c.value = t;"
                    " c.dispatchEvent(new Event('input')); })")
        bad = p.js("document.getElementById('config').value").replace("period: 72h", "period: 12h")
        check("period: 12h" in bad, "the example has a retention period to break")
        p.js(f"{set_text}({json.dumps(bad)})")
        p.wait("document.getElementById('status').textContent.startsWith('Refused')", "the refusal")
        fields = p.js("[...document.querySelectorAll('#problems button')].map(b => b.dataset.field)")
        check("spec.retention.period" in fields, f"the error names spec.retention.period ({fields})")
        line = bad.split("\n").index(next(l for l in bad.split("\n") if "period: 12h" in l)) + 1
        marked = p.js("[...document.querySelectorAll('#gutter .bad')].map(s => s.textContent)")
        check(str(line) in marked, f"the gutter marks line {line}, the field's line ({marked})")
        text = p.js("document.querySelector('#problems button').textContent")
        check(f"line {line}" in text and "24h" in text, f"the error says where and why: {text!r}")
        check(p.js("document.getElementById('download').disabled"), "download is disabled while refused")
        p.wait("document.getElementById('picture').dataset.state === 'refused'", "the refusal in the picture")
        pic = p.js(PICTURE)
        check(not pic["svg"] and "refused" in pic["text"] and pic["source"] == "",
              f"the refusal replaces the picture, no stale SVG or source ({pic['text']!r})")
        p.shot("refused-1280x800.png")
        p.js("document.querySelector('#problems button').click()")
        sel = p.js("(c => c.value.slice(c.selectionStart, c.selectionEnd))(document.getElementById('config'))")
        check("period: 12h" in sel, f"clicking the error selects its line ({sel!r})")

        # Fixed again.
        p.js(f"{set_text}({json.dumps(bad.replace('period: 12h', 'period: 72h'))})")
        p.wait("document.getElementById('status').textContent.startsWith('Rendered')", "the fixed config to render")
        n = p.js("document.querySelectorAll('#objects button').length")
        check(n >= 16, f"fixed: {n} objects")
        p.wait("document.getElementById('picture').dataset.state === 'drawn'", "the picture again", timeout=60)
        check(p.js(PICTURE)["svg"], "fixed: the picture is drawn again")
        p.shot("rendered-1280x800.png")

        # The Fluent Bit example: its DaemonSet and config in place of Promtail's.
        p.js("(s => { s.value = 'local-fluent-bit'; s.dispatchEvent(new Event('change')); })(document.getElementById('profile'))")
        p.wait("[...document.querySelectorAll('#objects button')].some(b => b.textContent === 'DaemonSet logging/fluent-bit')", "the local-fluent-bit example")
        names = p.js("[...document.querySelectorAll('#objects button')].map(b => b.textContent)")
        check("ConfigMap logging/fluent-bit" in names and not any("promtail" in n for n in names),
              f"local-fluent-bit example renders Fluent Bit, not Promtail ({len(names)} objects)")

        # The agent example: the collector alone (no Loki workload), its picture graph -f's.
        p.js("(s => { s.value = 'agent'; s.dispatchEvent(new Event('change')); })(document.getElementById('profile'))")
        p.wait("document.getElementById('mermaid-source').textContent.includes('ds_fluent_bit')"
               " && !document.getElementById('mermaid-source').textContent.includes('sts_')"
               " && document.getElementById('picture').dataset.state === 'drawn'", "the agent example", timeout=60)
        names = p.js("[...document.querySelectorAll('#objects button')].map(b => b.textContent)")
        check("DaemonSet logging/fluent-bit" in names
              and not any(n.startswith(("StatefulSet", "Deployment")) for n in names),
              f"agent example renders the collector alone ({len(names)} objects)")
        pic = p.js(PICTURE)
        check(pic["source"] == golden("overlays-agent.mmd") and "fluent-bit" in pic["names"],
              f"the agent picture is graph -f's (tests/golden/graph/overlays-agent.mmd): {pic['names']}")

        # The profile switch.
        p.js("(s => { s.value = 'cloud-aws'; s.dispatchEvent(new Event('change')); })(document.getElementById('profile'))")
        p.wait("document.querySelectorAll('#objects button').length >= 40", "the cloud-aws example")
        check(True, "cloud-aws example renders 40+ objects")
        p.wait("document.getElementById('picture').dataset.state === 'drawn'"
               " && document.getElementById('mermaid-source').textContent.includes('deploy_loki_gateway')",
               "the cloud-aws picture", timeout=60)
        pic = p.js(PICTURE)
        check(pic["source"] == golden("overlays-cloud-aws.mmd"),
              "the cloud-aws source is graph -f's (tests/golden/graph/overlays-cloud-aws.mmd)")
        drawn = {"loki-gateway", "loki-distributor", "loki-ingester", "loki-querier", "promtail"}
        check(drawn <= set(pic["names"]), f"the cloud-aws picture shows the gateway, distributor, ... ({pic['names']})")
        want = arrow_count(pic["source"])
        check(pic["arrows"] == want, f"the cloud-aws SVG has the source's {want} arrows ({pic['arrows']})")
        p.js("document.getElementById('mermaid-details').open = true")
        p.shot("picture-cloud-aws-1280x800.png")
        p.js("document.getElementById('mermaid-details').open = false")

        # Keyboard: Tab from the example switch reaches the editor; Escape, Tab leaves it.
        p.js("document.getElementById('profile').focus()")
        p.key("Tab", "Tab", 9)
        check(p.js("document.activeElement.id") == "config", "Tab moves from the switch to the editor")
        p.key("Escape", "Escape", 27)
        p.key("Tab", "Tab", 9)
        check(p.js("document.activeElement.id") != "config", "Escape then Tab leaves the editor")

        # Readable on a phone: no horizontal scrolling at 390x844, the YAML or the picture at
        # its natural size (which scrolls inside its own box).
        p.call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=1, mobile=True)
        p.js("document.getElementById('tab-yaml').click()")
        time.sleep(0.3)
        width = p.js("document.documentElement.scrollWidth")
        check(width <= 390, f"390x844: page width {width}")
        p.shot("cloud-aws-390x844.png")
        p.js("document.getElementById('tab-picture').click()")
        p.js("document.getElementById('output').scrollIntoView()")
        time.sleep(0.3)
        width = p.js("document.documentElement.scrollWidth")
        check(width <= 390, f"390x844, the picture fitted to the width: page width {width}")
        p.shot("picture-cloud-aws-390x844.png")
        p.js("document.getElementById('picture-size').click()")
        time.sleep(0.3)
        width = p.js("document.documentElement.scrollWidth")
        inner = p.js("(b => [b.scrollWidth, b.clientWidth])(document.getElementById('picture'))")
        check(width <= 390 and inner[0] > inner[1],
              f"390x844, picture at its natural size: page width {width}, the picture scrolls in its box {inner}")
        errors = [m for m in p.console if m.get("method") == "Runtime.exceptionThrown"]
        check(not errors, f"no exception in the page ({errors[:1]})")
        print(f"screenshots in {SHOTS}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
