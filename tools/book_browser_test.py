#!/usr/bin/env python3
"""The book in headless Chromium (tools/chromium.py): Mermaid draws the introduction's
diagram (an <svg> flowchart, no Mermaid error), draws it again in its dark theme when the
reader picks a dark mdBook theme, and the page loads every resource with no exception or
console error. Screenshots go to target/book-test/. tests/tests/book.rs runs it.

Usage: tools/book_browser_test.py [BOOK_DIR]   (default target/book)
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from chromium import Browser, check  # noqa: E402

BOOK = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/book")
SHOTS = os.path.join(ROOT, "target/book-test")

DRAWN = "document.readyState === 'complete' && /^(drawn|error)/.test(document.documentElement.dataset.mermaid)"
SVG = "document.querySelector('pre.mermaid svg')"


def diagram(p, theme):
    state = p.js("document.documentElement.dataset.mermaid")
    check(state == "drawn", f"{theme}: Mermaid drew the diagrams ({state!r})")
    check(p.js("document.querySelectorAll('code.language-mermaid').length") == 0,
          f"{theme}: no Mermaid source is left as a code block")
    n = p.js("document.querySelectorAll('pre.mermaid').length")
    svgs = p.js("document.querySelectorAll('pre.mermaid > svg').length")
    check(n == 1 and svgs == 1, f"{theme}: the introduction's one diagram is an <svg> ({n} blocks, {svgs} svg)")
    kind = p.js(f"{SVG}.getAttribute('aria-roledescription')")
    check(kind == "flowchart-v2", f"{theme}: it is a flowchart, not Mermaid's error picture ({kind!r})")
    text = p.js(f"{SVG}.textContent")
    check("Syntax error" not in text and "StatefulSet × 1" in text and "promtail" in text,
          f"{theme}: the flowchart has the rendered nodes (loki's StatefulSet, promtail)")
    # The source reached Mermaid as written: `<br/>` in a label is a line break, not text.
    check("<br" not in text and "&lt;" not in text, f"{theme}: the labels' <br/> are line breaks")
    box = p.js(f"(r => [r.width, r.height])({SVG}.getBoundingClientRect())")
    check(box[0] > 200 and box[1] > 100, f"{theme}: it has a size on the page ({box[0]:.0f}x{box[1]:.0f})")
    return p.js(f"{SVG}.querySelector('style').textContent")


def main():
    browser = Browser(BOOK, shots=SHOTS)
    try:
        p = browser.page
        p.call("Page.navigate", url=f"{browser.url}/introduction.html")
        p.wait(DRAWN, "Mermaid to draw the introduction's diagram")
        check(p.js("document.documentElement.classList.contains('light')"), "the book opens in its light theme")
        light_style = diagram(p, "light")
        p.js("document.querySelector('pre.mermaid').scrollIntoView()")
        p.shot("introduction-light-1280x800.png")

        # A dark mdBook theme, picked as a reader does: drawn again in Mermaid's dark theme.
        p.js("document.getElementById('mdbook-theme-toggle').click()")
        p.js("document.getElementById('mdbook-theme-navy').click()")
        p.wait("document.documentElement.classList.contains('navy')", "the navy theme")
        p.key("Escape", "Escape", 27)  # closes the theme list
        p.wait(DRAWN, "Mermaid to draw the diagram again")
        dark_style = diagram(p, "dark (navy)")
        check(dark_style != light_style, "dark: the diagram is drawn in another (Mermaid's dark) theme")
        p.js("document.querySelector('pre.mermaid').scrollIntoView()")
        p.shot("introduction-navy-1280x800.png")

        errors = [m for m in p.console if m.get("method") == "Runtime.exceptionThrown"
                  or (m.get("method") == "Runtime.consoleAPICalled" and m["params"].get("type") == "error")
                  or (m.get("method") == "Log.entryAdded" and m["params"]["entry"].get("level") == "error")]
        check(not errors, f"no exception, console error or failed load in the page ({errors[:1]})")
        print(f"screenshots in {SHOTS}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
