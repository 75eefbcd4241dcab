// The WebAssembly build against the native binary: every overlay, every fixture stack and
// every refusal case (tests/data/refusals.json, shared with the Rust tests) must give
// byte-identical output and the same errors and warnings.
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
    assert.ok(w.objects.length >= 16, `${w.objects.length} objects`);
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
  }
  const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"],
    { cwd: pkgDir, encoding: "utf8" }))[0];
  const files = packed.files.map((f) => f.path).sort();
  for (const f of ["README.md", "package.json", "node/loki_stack_fn.js",
    "node/loki_stack_fn.d.ts", "web/loki_stack_fn.js", "web/loki_stack_fn_bg.wasm", "web/loki_stack_fn.d.ts"]) {
    assert.ok(files.includes(f), `${f} not packed: ${files}`);
  }
});
