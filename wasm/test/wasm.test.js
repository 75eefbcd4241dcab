// The WebAssembly build against the native binary: every overlay, every fixture stack and
// every refusal case (tests/data/refusals.json, shared with the Rust tests) must give
// byte-identical output (render, process, plan, graph) and the same errors and warnings.
// Run: node --test wasm/test/  (after tools/build-wasm.sh; `make wasm-test` does both)
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..", "..");
const native = process.env.LOKI_STACK_FN || path.join(root, "target/release/loki-stack-fn");
const wasm = require(path.join(root, "wasm/pkg"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lsf-wasm-"));

const FOREIGN = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: foreign\n  namespace: other\ndata:\n  a: b\n";

/** The same ResourceList the Rust tests build (tests/src/lib.rs, resource_list). */
function resourceList(config, items) {
  const indent = (s, first, rest) =>
    s.split("\n").filter((l, i, all) => i < all.length - 1 || l !== "")
      .map((l, i) => `${i === 0 ? first : rest}${l}\n`).join("");
  let out = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n";
  out += items.length === 0 ? "items: []\n" : "items:\n" + items.map((i) => indent(i, "- ", "  ")).join("");
  return out + "functionConfig:\n" + indent(config, "  ", "  ");
}

function runNative(args, input) {
  const r = spawnSync(native, args, { input, encoding: "utf8", maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What the CLI prints on stderr for these results. */
function stderrOf(result) {
  return result.warnings.map((d) => `loki-stack-fn: warning: ${d.text}\n`).join("") +
    result.errors.map((d) => `loki-stack-fn: error: ${d.text}\n`).join("");
}

function overlayConfigs() {
  const dir = path.join(root, "kubernetes/observability/loki-stack/overlays");
  const out = [["base", fs.readFileSync(path.join(root, "kubernetes/observability/loki-stack/base/config/lokistack.yaml"), "utf8")]];
  for (const overlay of fs.readdirSync(dir).sort()) {
    out.push([`overlays/${overlay}`, execFileSync("kubectl", ["kustomize", path.join(dir, overlay, "config")], { encoding: "utf8" })]);
  }
  for (const f of fs.readdirSync(path.join(root, "tests/stacks")).sort()) {
    out.push([`stacks/${f}`, fs.readFileSync(path.join(root, "tests/stacks", f), "utf8")]);
  }
  return out;
}

test("version is the native binary's", () => {
  assert.equal(`loki-stack-fn ${wasm.version()}\n`, runNative(["--version"]).stdout);
});

for (const [name, config] of overlayConfigs()) {
  test(`render: ${name} is byte-identical to render -f`, () => {
    const file = path.join(tmp, name.replace(/\//g, "_"));
    fs.writeFileSync(file, config);
    const n = runNative(["render", "-f", file]);
    const w = wasm.render(config, file);
    assert.equal(n.code, 0, n.stderr);
    assert.equal(w.ok, true, JSON.stringify(w.errors));
    assert.equal(w.yaml, n.stdout);
    assert.equal(stderrOf(w), n.stderr);
    // An agent (profile agent) renders its collector alone: a dozen objects.
    const least = /^\s*profile: agent\s*$/m.test(config) ? 10 : 16;
    assert.ok(w.objects.length >= least, `${w.objects.length} objects`);
    assert.equal(w.objects.map((o) => o.yaml).join("---\n"), w.yaml);
    for (const o of w.objects) assert.ok(o.kind && o.name && o.apiVersion);
  });

  test(`process: ${name} is byte-identical to the KRM function`, () => {
    const rl = resourceList(config, [config, FOREIGN]);
    const n = runNative([], rl);
    const w = wasm.process(rl);
    assert.equal(n.code, 0, n.stderr);
    assert.equal(w.ok, true);
    assert.equal(w.resourceList, n.stdout);
    assert.equal(stderrOf(w), n.stderr);
  });
}

// graph: the Mermaid picture, from the same core function as `loki-stack-fn graph -f`.
for (const [name, config] of overlayConfigs()) {
  test(`graph: ${name} is byte-identical to graph -f`, () => {
    const file = path.join(tmp, `graph-${name.replace(/\//g, "_")}`);
    fs.writeFileSync(file, config);
    const n = runNative(["graph", "-f", file]);
    const w = wasm.graph(config, file);
    assert.equal(n.code, 0, n.stderr);
    assert.equal(w.ok, true, JSON.stringify(w.errors));
    assert.equal(w.mermaid, n.stdout);
    assert.equal(stderrOf(w), n.stderr);
    assert.deepEqual(w.errors, []);
    assert.ok(w.mermaid.startsWith("flowchart LR\n"), w.mermaid.slice(0, 40));
  });
}

// plan: the summary and the change hazards, with today's date as an argument.
const TODAY = "2026-05-01";

for (const [name, config] of overlayConfigs()) {
  test(`plan: ${name} equals plan --today, text and JSON`, () => {
    const file = path.join(tmp, `plan-${name.replace(/\//g, "_")}`);
    fs.writeFileSync(file, config);
    const text = runNative(["plan", "-f", file, "--today", TODAY]);
    const json = runNative(["plan", "-f", file, "--today", TODAY, "--output", "json"]);
    const w = wasm.plan(config, file, null, TODAY);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(w.ok, true, JSON.stringify(w.errors));
    assert.equal(w.text, text.stdout);
    assert.deepEqual(w.plan, JSON.parse(json.stdout));
    assert.equal(w.plan.today, TODAY);
    assert.equal(stderrOf(w), text.stderr);
  });
}

test("plan: the date decides which schema periods are in effect", () => {
  const config = overlayConfigs().find(([n]) => n === "overlays/local")[1]
    .replace("spec:\n", "spec:\n  schemas:\n  - {from: \"2024-01-01\", version: v13}\n  - {from: \"2026-06-01\", version: v13}\n");
  const before = wasm.plan(config, null, null, "2026-05-31").plan.schemas.map((s) => s.state);
  const after = wasm.plan(config, null, null, "2026-06-01").plan.schemas.map((s) => s.state);
  assert.deepEqual(before, ["inEffect", "future"]);
  assert.deepEqual(after, ["inEffect", "inEffect"]);
  assert.deepEqual(wasm.plan(config).plan.schemas.map((s) => s.state), ["unknown", "unknown"]);
  assert.throws(() => wasm.plan(config, null, null, "1 May 2026"), /today: invalid date/);
  assert.throws(() => wasm.process(resourceList(config, []), "2026-13-01"), /today: invalid date/);
});

test("plan: changes since an earlier render, as the CLI's --from", () => {
  const config = overlayConfigs().find(([n]) => n === "overlays/local")[1];
  const previous = runNative(["render", "-f", "-"], config).stdout;
  const prevFile = path.join(tmp, "previous");
  fs.writeFileSync(prevFile, previous);
  const shorter = config.replace("period: 72h", "period: 24h");
  const w = wasm.plan(shorter, null, previous, TODAY);
  assert.equal(w.ok, true);
  const warned = w.plan.changes.items.filter((c) => c.severity === "warning");
  assert.deepEqual(warned.map((c) => c.code), ["retention-shortened"]);
  assert.match(warned[0].message, /deletes up to 2 days of logs/);
  const n = runNative(["plan", "-f", "-", "--from", prevFile, "--today", TODAY], shorter);
  assert.equal(w.text, n.stdout.replace(`Changes since ${prevFile}`, "Changes since previous"));

  // A schema period in effect moved into the past: refused (ok false), the way out given.
  const moved = config.replace("spec:\n", "spec:\n  schemas: [{from: \"2023-06-01\", version: v13}]\n");
  const r = wasm.plan(moved, null, previous, TODAY);
  assert.equal(r.ok, false);
  assert.equal(r.errors.length, 0);
  const refused = r.plan.changes.items.filter((c) => c.severity === "refused");
  assert.deepEqual(refused.map((c) => c.field), ["spec.schemas", "spec.schemas[0].from"]);
  assert.match(refused[0].fix, /"2026-05-02" \(tomorrow\)/);
});

test("process: a re-render of an earlier output is checked with the given date", () => {
  const config = "apiVersion: lokistack.krm.dev/v1alpha1\nkind: LokiStack\nmetadata:\n  name: loki\n" +
    "  annotations:\n    config.kubernetes.io/path: lokistack.yaml\nspec:\n  profile: local\n  retention: {period: 72h}\n";
  const first = runNative([], resourceList(config, [config])).stdout;
  // The config changed (a past schema period moved): kpt feeds the earlier output back.
  const schema = "    schemas:\n    - from: \"2023-06-01\"\n      version: v13\n";
  const input = first.replace(/\nfunctionConfig:\n((?:  .*\n)*)/, (m, body) =>
    `\nfunctionConfig:\n${body.replace(/\n  spec:\n/, `\n  spec:\n${schema}`)}`);
  assert.notEqual(input, first, "the functionConfig was edited");
  const today = new Date().toISOString().slice(0, 10);
  const n = runNative([], input);
  const w = wasm.process(input, today);
  assert.equal(n.code, 1, n.stderr);
  assert.equal(w.ok, false);
  assert.equal(w.resourceList, n.stdout);
  assert.equal(stderrOf(w), n.stderr);
  assert.ok(w.errors.some((e) => e.field === "spec.schemas" && /in effect since 2024-01-01/.test(e.message)));
  // Without a date the earlier periods count as in effect: the same refusal.
  assert.equal(wasm.process(input).ok, false);
});

const refusals = JSON.parse(fs.readFileSync(path.join(root, "tests/data/refusals.json"), "utf8"));
test("there are refusal cases", () => assert.ok(refusals.length >= 30));

for (const c of refusals) {
  test(`refused in both: ${c.name}`, () => {
    const rl = resourceList(c.config, [FOREIGN]);
    const n = runNative([], rl);
    const w = wasm.process(rl);
    assert.equal(n.code, 1);
    assert.equal(w.ok, false);
    assert.equal(w.resourceList, n.stdout, "the ResourceList with its error results");
    assert.equal(stderrOf(w), n.stderr);
    // The error objects carry the field path (and the file the runner named).
    const e = w.errors.find((d) => d.field === c.field);
    assert.ok(e, `no error for ${c.field}: ${JSON.stringify(w.errors)}`);
    assert.ok(e.message.includes(c.message), e.message);
    assert.equal(e.file, "cloud/lokistack.yaml");
    assert.equal(e.text, `${e.file}: ${e.field}: ${e.message}`);

    const file = path.join(tmp, "refused.yaml");
    fs.writeFileSync(file, c.config);
    const nr = runNative(["render", "-f", file]);
    const wr = wasm.render(c.config, file);
    assert.equal(nr.code, 1);
    assert.equal(wr.ok, false);
    assert.equal(wr.yaml, "");
    assert.equal(nr.stdout, "");
    assert.equal(stderrOf(wr), nr.stderr);
    assert.ok(wr.errors.some((d) => d.field === c.field));

    // graph refuses the same config with the same errors (and no picture).
    const ng = runNative(["graph", "-f", file]);
    const wg = wasm.graph(c.config, file);
    assert.equal(ng.code, 1);
    assert.equal(wg.ok, false);
    assert.equal(wg.mermaid, "");
    assert.equal(ng.stdout, "");
    assert.equal(stderrOf(wg), ng.stderr);
    assert.deepEqual(wg.errors, wr.errors);
  });
}

test("malformed input is an error result, never an exception", () => {
  for (const input of ["", "{", "- a\n- b\n", "apiVersion: v1\nkind: ResourceList\n", "\u0000"]) {
    const n = runNative([], input);
    const w = wasm.process(input);
    assert.equal(w.ok, false);
    assert.equal(w.resourceList, n.stdout, JSON.stringify(input));
    assert.equal(stderrOf(w), n.stderr);
    const r = wasm.render(input);
    assert.equal(r.ok, false);
    assert.ok(r.errors.length > 0);
    const g = wasm.graph(input);
    assert.equal(g.ok, false);
    assert.deepEqual(g.errors, r.errors);
  }
});

test("the npm package resolves through its exports and packs what it needs", () => {
  const pkgDir = path.join(root, "wasm/pkg");
  const meta = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  assert.equal(`loki-stack-fn ${meta.version}\n`, runNative(["--version"]).stdout);
  const app = fs.mkdtempSync(path.join(os.tmpdir(), "lsf-app-"));
  fs.mkdirSync(path.join(app, "node_modules"));
  fs.symlinkSync(pkgDir, path.join(app, "node_modules", meta.name));
  const script = `
    const m = require(${JSON.stringify(meta.name)});
    const r = m.render("apiVersion: lokistack.krm.dev/v1alpha1\\nkind: LokiStack\\nmetadata: {name: loki}\\nspec: {profile: local, retention: {period: 72h}}\\n");
    console.log(JSON.stringify({ ok: r.ok, n: r.objects.length,
      web: require.resolve(${JSON.stringify(meta.name + "/web")}),
      wasm: require.resolve(${JSON.stringify(meta.name + "/web/loki_stack_fn_bg.wasm")}) }));`;
  const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: app, encoding: "utf8" }));
  assert.equal(out.ok, true);
  assert.ok(out.n >= 16);
  assert.ok(out.web.endsWith(path.join("web", "loki_stack_fn.js")));
  assert.ok(out.wasm.endsWith(path.join("web", "loki_stack_fn_bg.wasm")));
  for (const types of [meta.types, meta.exports["./web"].types]) {
    const dts = fs.readFileSync(path.join(pkgDir, types), "utf8");
    assert.match(dts, /export function render\(config_yaml: string, file\?: string \| null\): RenderResult;/);
    assert.match(dts, /export interface Diagnostic/);
    assert.match(dts, /export function plan\(config_yaml: string, file\?: string \| null, previous_yaml\?: string \| null, today\?: string \| null\): PlanResult;/);
    assert.match(dts, /export function process\(resource_list_yaml: string, today\?: string \| null\): ProcessResult;/);
    assert.match(dts, /export function graph\(config_yaml: string, file\?: string \| null\): GraphResult;/);
    assert.match(dts, /export interface GraphResult/);
  }
  const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"],
    { cwd: pkgDir, encoding: "utf8" }))[0];
  const files = packed.files.map((f) => f.path).sort();
  for (const f of ["README.md", "package.json", "node/loki_stack_fn.js",
    "node/loki_stack_fn.d.ts", "web/loki_stack_fn.js", "web/loki_stack_fn_bg.wasm", "web/loki_stack_fn.d.ts"]) {
    assert.ok(files.includes(f), `${f} not packed: ${files}`);
  }
});
