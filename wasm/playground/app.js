// The playground: edit a LokiStack, see the rendered stack or the refusal, live; the
// Picture tab draws what `loki-stack-fn graph` prints with Mermaid (mermaid.min.js, loaded
// the first time the tab is opened).
import init, { graph, render, version } from "./pkg/web/loki_stack_fn.js";

const $ = (id) => document.getElementById(id);
const config = $("config"), gutter = $("gutter"), status = $("status"), problems = $("problems");
const objects = $("objects"), yaml = $("yaml");
const picture = $("picture"), pictureStatus = $("picture-status"), mermaidSource = $("mermaid-source");
let last = null, selected = -1, timer = 0;
// The picture: the last graph() result, the Mermaid text now drawn, the draw in flight.
let lastGraph = null, drawn = null, drawSeq = 0, mermaidReady = null;

/** The 0-based line of a dotted field path (`spec.retention.period`, `a.b[1].c`) in a
 *  block-style YAML text, or -1: each segment is looked for below the previous one, at
 *  a deeper indentation. */
export function lineOfField(text, field) {
  if (!field) return -1;
  const lines = text.split("\n");
  const segments = field.split(".").flatMap((s) => {
    const m = s.match(/^([^[\]]+)((?:\[\d+\])*)$/);
    if (!m) return [{ key: s }];
    return [{ key: m[1] }, ...[...m[2].matchAll(/\[(\d+)\]/g)].map((x) => ({ index: Number(x[1]) }))];
  });
  let from = 0, indent = -1, found = -1;
  for (const seg of segments) {
    let hit = -1, count = -1;
    for (let i = from; i < lines.length; i++) {
      const l = lines[i];
      if (!l.trim() || l.trim().startsWith("#")) continue;
      const ind = l.length - l.trimStart().length;
      if (ind <= indent && i > from) break;
      if (seg.key !== undefined) {
        const re = new RegExp(`^\\s*(- )?["']?${seg.key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}["']?\\s*:`);
        if (re.test(l)) { hit = i; break; }
      } else if (/^\s*- /.test(l) && ind > indent) {
        count++;
        if (count === seg.index) { hit = i; break; }
      }
    }
    if (hit < 0) return found;
    found = hit; from = hit;
    const l = lines[hit];
    indent = l.length - l.trimStart().length + (/^\s*- /.test(l) && seg.index !== undefined ? 1 : 0);
  }
  return found;
}

function paintGutter(bad) {
  const n = config.value.split("\n").length;
  const out = [];
  for (let i = 0; i < n; i++) {
    const label = String(i + 1);
    out.push(bad.has(i) ? `<span class="bad" title="${bad.get(i).replace(/"/g, "&quot;")}">${label}</span>` : label);
  }
  gutter.innerHTML = out.join("\n");
  gutter.scrollTop = config.scrollTop;
}

function goToLine(line) {
  const lines = config.value.split("\n");
  const start = lines.slice(0, line).reduce((a, l) => a + l.length + 1, 0);
  config.focus();
  config.setSelectionRange(start, start + (lines[line] || "").length);
  const lh = parseFloat(getComputedStyle(config).lineHeight) || 19;
  config.scrollTop = Math.max(0, line * lh - config.clientHeight / 3);
}

function showObject(i) {
  selected = i;
  for (const [j, b] of [...objects.querySelectorAll("button")].entries()) {
    b.setAttribute("aria-current", String(j === i));
  }
  yaml.textContent = i < 0 ? last.yaml : last.objects[i].yaml;
}

function update() {
  const text = config.value;
  const r = render(text, "lokistack.yaml");
  last = r;
  const bad = new Map();
  problems.replaceChildren();
  const items = [...r.errors.map((d) => ["error", d]), ...r.warnings.map((d) => ["warning", d])];
  for (const [kind, d] of items) {
    const line = lineOfField(text, d.field);
    if (line >= 0 && !bad.has(line)) bad.set(line, d.message);
    const li = document.createElement("li");
    li.className = kind;
    const b = document.createElement("button");
    b.type = "button";
    b.innerHTML = `<span class="sr">${kind}</span> ${line >= 0 ? `line ${line + 1}: ` : ""}` +
      (d.field ? `<span class="field"></span>: ` : "") + `<span class="msg"></span>`;
    if (d.field) b.querySelector(".field").textContent = d.field;
    b.querySelector(".msg").textContent = d.message;
    b.dataset.field = d.field || "";
    if (line >= 0) b.addEventListener("click", () => goToLine(line));
    li.append(b);
    problems.append(li);
  }
  paintGutter(bad);
  objects.replaceChildren();
  if (r.ok) {
    status.className = "ok";
    status.textContent = `Rendered ${r.objects.length} objects` + (r.warnings.length ? `, ${r.warnings.length} warning(s)` : "");
    r.objects.forEach((o, i) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = `${o.kind} ${o.namespace ? o.namespace + "/" : ""}${o.name}`;
      b.addEventListener("click", () => showObject(i));
      li.append(b);
      objects.append(li);
    });
    showObject(selected < r.objects.length ? selected : -1);
  } else {
    status.className = "err";
    status.textContent = `Refused: ${r.errors.length} error(s)`;
    yaml.textContent = "";
  }
  $("download").disabled = !r.ok;
  updatePicture(graph(text, "lokistack.yaml"));
}

/** The arrows of a Mermaid flowchart as `loki-stack-fn graph` writes them (one a line). */
export function arrowCount(mermaid) {
  return mermaid.split("\n").filter((l) => /^\s*\S+ (-->|-\.->)\|/.test(l)).length;
}

/** Mermaid, loaded once. `securityLevel: "strict"`: labels are sanitized by DOMPurify (our
 *  `<b>` and `<br/>` pass, scripts and event handlers do not) and click bindings are off. */
function loadMermaid() {
  mermaidReady ??= new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = "mermaid.min.js";
    s.onload = () => {
      window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "default" });
      resolve(window.mermaid);
    };
    s.onerror = () => { mermaidReady = null; reject(new Error("mermaid.min.js did not load")); };
    document.head.append(s);
  });
  return mermaidReady;
}

function setPicture(state, message) {
  picture.dataset.state = state;
  pictureStatus.textContent = message;
}

/** The picture for the current config: the refusal in its place when refused (never a
 *  stale picture), otherwise drawn now if the Picture tab is open, or when it is opened. */
function updatePicture(g) {
  lastGraph = g;
  mermaidSource.textContent = g.mermaid;
  $("copy-mermaid").disabled = !g.ok;
  if (!g.ok) {
    drawSeq++;
    drawn = null;
    picture.replaceChildren();
    const p = document.createElement("p");
    p.className = "refused";
    p.textContent = `No picture: the config is refused (${g.errors.length} error(s), listed under the config).`;
    picture.append(p);
    setPicture("refused", "Refused");
    return;
  }
  draw();
}

function drawnStatus() {
  const boxes = picture.querySelectorAll("svg g.node").length;
  setPicture("drawn", `${boxes} boxes, ${arrowCount(drawn)} arrows`);
}

async function draw() {
  if ($("view-picture").hidden || !lastGraph || !lastGraph.ok) return;
  if (drawn === lastGraph.mermaid) {
    // Back to what is shown: a draw still in flight is for an older text.
    if (picture.dataset.state === "drawing") { drawSeq++; drawnStatus(); }
    return;
  }
  const text = lastGraph.mermaid, seq = ++drawSeq, id = `picture-svg-${seq}`;
  setPicture("drawing", "Drawing…");
  try {
    const mermaid = await loadMermaid();
    const { svg } = await mermaid.render(id, text);
    if (seq !== drawSeq) return;
    picture.innerHTML = svg;
    drawn = text;
    sizePicture();
    drawnStatus();
  } catch (e) {
    document.getElementById(`d${id}`)?.remove();
    if (seq !== drawSeq) return;
    drawn = null;
    picture.replaceChildren();
    setPicture("error", `Mermaid could not draw it: ${e.message || e}`);
  }
}

/** Fit to the box's width (Mermaid's default), or the natural size, scrolling in the box. */
function sizePicture() {
  const svg = picture.querySelector("svg");
  const actual = $("picture-size").getAttribute("aria-pressed") === "true";
  picture.classList.toggle("actual", actual);
  if (!svg) return;
  svg.dataset.width ??= String(parseFloat(svg.style.maxWidth) || "");
  svg.style.width = actual && svg.dataset.width ? `${svg.dataset.width}px` : "";
}

function selectTab(tab) {
  for (const t of document.querySelectorAll('[role="tab"]')) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
  if (tab.id === "tab-picture") draw();
}

async function loadExample(name) {
  const res = await fetch(`examples/${name}.yaml`);
  config.value = await res.text();
  selected = -1;
  update();
}

await init();
$("version").textContent = `v${version()}`;
config.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 120); });
config.addEventListener("scroll", () => { gutter.scrollTop = config.scrollTop; });
config.addEventListener("keydown", (e) => {
  // Tab inserts two spaces (YAML); Escape then Tab leaves the editor, as usual.
  if (e.key === "Tab" && !e.shiftKey && !config.dataset.escape) {
    e.preventDefault();
    config.setRangeText("  ", config.selectionStart, config.selectionEnd, "end");
    config.dispatchEvent(new Event("input"));
  }
  config.dataset.escape = e.key === "Escape" ? "1" : "";
});
$("profile").addEventListener("change", (e) => loadExample(e.target.value));
$("show-all").addEventListener("click", () => showObject(-1));
$("download").addEventListener("click", () => {
  if (!last || !last.ok) return;
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([last.yaml], { type: "application/yaml" }));
  a.download = "loki-stack.yaml";
  a.click();
  URL.revokeObjectURL(a.href);
});
const tabs = [...document.querySelectorAll('[role="tab"]')];
for (const [i, t] of tabs.entries()) {
  t.addEventListener("click", () => selectTab(t));
  t.addEventListener("keydown", (e) => {
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = tabs[(to + tabs.length) % tabs.length];
    selectTab(next);
    next.focus();
  });
}
$("picture-size").addEventListener("click", (e) => {
  const b = e.currentTarget;
  b.setAttribute("aria-pressed", String(b.getAttribute("aria-pressed") !== "true"));
  sizePicture();
});
$("copy-mermaid").addEventListener("click", async () => {
  let done = "Copied";
  try {
    await navigator.clipboard.writeText(mermaidSource.textContent);
  } catch {
    // No clipboard (not a secure context): select the text for Ctrl+C instead.
    getSelection().selectAllChildren(mermaidSource);
    done = "Selected: press Ctrl+C";
  }
  $("copy-status").textContent = done;
  setTimeout(() => { $("copy-status").textContent = ""; }, 2500);
});
await loadExample("local");
document.body.dataset.ready = "true";
