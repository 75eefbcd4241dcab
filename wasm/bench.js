// Times the WebAssembly build in Node: instantiation (require() of the package in a
// fresh process: compile + instantiate) and render() of the local and cloud-aws
// overlays' configs, median over RUNS calls after instantiation; and the native binary's
// whole process for the same configs, for comparison. Run by tools/bench.sh.
"use strict";
const { execFileSync, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const runs = Number(process.env.BENCH_RUNS || 100);
const native = process.env.LOKI_STACK_FN || path.join(root, "target/release/loki-stack-fn");
const pkg = path.join(root, "wasm/pkg");
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const fmt = (ms) => `${ms.toFixed(2).padStart(7)} ms`;

const loads = [];
for (let i = 0; i < 21; i++) {
  const out = spawnSync(process.execPath, ["-e",
    `const t = performance.now(); require(${JSON.stringify(pkg)}); console.log(performance.now() - t)`],
    { encoding: "utf8" });
  loads.push(Number(out.stdout));
}
console.log(`${"wasm instantiation (require() in a fresh node)".padEnd(52)} median ${fmt(median(loads))}`);

const wasm = require(pkg);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lsf-bench-"));
for (const overlay of ["local", "cloud-aws"]) {
  const config = execFileSync("kubectl", ["kustomize",
    path.join(root, "kubernetes/observability/loki-stack/overlays", overlay, "config")], { encoding: "utf8" });
  const file = path.join(tmp, `${overlay}.yaml`);
  fs.writeFileSync(file, config);
  for (let i = 0; i < 10; i++) wasm.render(config, file);
  const w = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = wasm.render(config, file);
    w.push(performance.now() - t);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
  }
  const n = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    execFileSync(native, ["render", "-f", file], { maxBuffer: 64 << 20 });
    n.push(performance.now() - t);
  }
  console.log(`${`${overlay}: wasm render() in node`.padEnd(52)} median ${fmt(median(w))}`);
  console.log(`${`${overlay}: native render -f, spawned from node`.padEnd(52)} median ${fmt(median(n))}`);
}
