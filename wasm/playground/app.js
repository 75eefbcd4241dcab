// The playground: edit a LokiStack, see the rendered stack or the refusal, live.
import init, { render, version } from "./pkg/web/loki_stack_fn.js";

const $ = (id) => document.getElementById(id);
const config = $("config"), gutter = $("gutter"), status = $("status"), problems = $("problems");
const objects = $("objects"), yaml = $("yaml");
let last = null, selected = -1, timer = 0;

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
await loadExample("local");
document.body.dataset.ready = "true";
