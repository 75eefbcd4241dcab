// Draws the book's ```mermaid blocks, which mdBook writes as <pre><code class="language-mermaid">
// (highlight.js leaves them as they are: it has no Mermaid grammar), with Mermaid
// (vendor/mermaid.min.js: `make docs` copies it there from tools/fetch-mermaid.sh). Each block
// becomes a <pre class="mermaid"> holding the diagram's source text; the diagrams are drawn in
// Mermaid's dark theme under mdBook's dark themes, and drawn again when the reader switches.
// When all are drawn, <html data-mermaid> is "drawn", or "error: ..." (the browser test reads it).
(function () {
  "use strict";
  const DARK_THEMES = ["coal", "navy", "ayu"];
  const html = document.documentElement;
  const blocks = Array.from(document.querySelectorAll("pre > code.language-mermaid")).map(function (code) {
    const pre = document.createElement("pre");
    pre.className = "mermaid";
    code.parentElement.replaceWith(pre);
    return { pre: pre, source: code.textContent };
  });
  if (blocks.length === 0) {
    return;
  }
  let drawnIn = null;
  function draw() {
    const theme = DARK_THEMES.some(function (t) { return html.classList.contains(t); }) ? "dark" : "default";
    if (theme === drawnIn) {
      return;
    }
    drawnIn = theme;
    html.dataset.mermaid = "drawing";
    blocks.forEach(function (b) {
      b.pre.removeAttribute("data-processed");
      b.pre.textContent = b.source;
    });
    mermaid.initialize({ startOnLoad: false, theme: theme, securityLevel: "strict" });
    mermaid.run({ nodes: blocks.map(function (b) { return b.pre; }) }).then(
      function () { html.dataset.mermaid = "drawn"; },
      function (e) { html.dataset.mermaid = "error: " + (e && e.message ? e.message : e); });
  }
  draw();
  new MutationObserver(draw).observe(html, { attributes: true, attributeFilter: ["class"] });
})();
