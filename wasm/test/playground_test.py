#!/usr/bin/env python3
"""The playground in headless Chromium, driven over the DevTools protocol: the local
example renders 16+ objects; an invalid retention is refused with the error next to
its line; fixing it renders again; the profile switch, the keyboard and both viewport
sizes work. Screenshots go to target/playground-test/.

Usage: wasm/test/playground_test.py [SITE_DIR]   (default target/playground)
"""
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from chromium import Browser, check  # noqa: E402 (tools/chromium.py: Chromium over the DevTools protocol)

SITE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/playground")
SHOTS = os.path.join(ROOT, "target/playground-test")


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
        p.shot("refused-1280x800.png")
        p.js("document.querySelector('#problems button').click()")
        sel = p.js("(c => c.value.slice(c.selectionStart, c.selectionEnd))(document.getElementById('config'))")
        check("period: 12h" in sel, f"clicking the error selects its line ({sel!r})")

        # Fixed again.
        p.js(f"{set_text}({json.dumps(bad.replace('period: 12h', 'period: 72h'))})")
        p.wait("document.getElementById('status').textContent.startsWith('Rendered')", "the fixed config to render")
        n = p.js("document.querySelectorAll('#objects button').length")
        check(n >= 16, f"fixed: {n} objects")
        p.shot("rendered-1280x800.png")

        # The Fluent Bit example: its DaemonSet and config in place of Promtail's.
        p.js("(s => { s.value = 'local-fluent-bit'; s.dispatchEvent(new Event('change')); })(document.getElementById('profile'))")
        p.wait("[...document.querySelectorAll('#objects button')].some(b => b.textContent === 'DaemonSet logging/fluent-bit')", "the local-fluent-bit example")
        names = p.js("[...document.querySelectorAll('#objects button')].map(b => b.textContent)")
        check("ConfigMap logging/fluent-bit" in names and not any("promtail" in n for n in names),
              f"local-fluent-bit example renders Fluent Bit, not Promtail ({len(names)} objects)")

        # The profile switch.
        p.js("(s => { s.value = 'cloud-aws'; s.dispatchEvent(new Event('change')); })(document.getElementById('profile'))")
        p.wait("document.querySelectorAll('#objects button').length >= 40", "the cloud-aws example")
        check(True, "cloud-aws example renders 40+ objects")

        # Keyboard: Tab from the example switch reaches the editor; Escape, Tab leaves it.
        p.js("document.getElementById('profile').focus()")
        p.key("Tab", "Tab", 9)
        check(p.js("document.activeElement.id") == "config", "Tab moves from the switch to the editor")
        p.key("Escape", "Escape", 27)
        p.key("Tab", "Tab", 9)
        check(p.js("document.activeElement.id") != "config", "Escape then Tab leaves the editor")

        # Readable on a phone: no horizontal scrolling at 390x844.
        p.call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=1, mobile=True)
        time.sleep(0.3)
        width = p.js("document.documentElement.scrollWidth")
        check(width <= 390, f"390x844: page width {width}")
        p.shot("cloud-aws-390x844.png")
        errors = [m for m in p.console if m.get("method") == "Runtime.exceptionThrown"]
        check(not errors, f"no exception in the page ({errors[:1]})")
        print(f"screenshots in {SHOTS}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
