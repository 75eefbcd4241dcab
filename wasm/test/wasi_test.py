#!/usr/bin/env python3
"""The WASI build (`loki-stack-fn.wasm`, target wasm32-wasip1) as an exec KRM function:
run by wasmtime (the PyPI package) with a ResourceList on stdin, its stdout and exit
code must be the native binary's, for every overlay and for a refused config.

Usage: wasm/test/wasi_test.py WASM_MODULE NATIVE_BINARY
"""
import os
import subprocess
import sys
import tempfile

import wasmtime

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
module_path, native = sys.argv[1], sys.argv[2]
engine = wasmtime.Engine()
module = wasmtime.Module.from_file(engine, module_path)


def run_wasi(args, stdin_text):
    with tempfile.TemporaryDirectory() as d:
        paths = {name: os.path.join(d, name) for name in ("in", "out", "err")}
        with open(paths["in"], "w") as f:
            f.write(stdin_text)
        cfg = wasmtime.WasiConfig()
        cfg.argv = ["loki-stack-fn", *args]
        cfg.stdin_file = paths["in"]
        cfg.stdout_file = paths["out"]
        cfg.stderr_file = paths["err"]
        store = wasmtime.Store(engine)
        store.set_wasi(cfg)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        instance = linker.instantiate(store, module)
        code = 0
        try:
            instance.exports(store)["_start"](store)
        except wasmtime.ExitTrap as e:
            code = e.code
        return code, open(paths["out"]).read(), open(paths["err"]).read()


def resource_list(config):
    body = "".join(f"  {line}\n" for line in config.splitlines())
    return f"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n{body}"


failures = 0
overlays = os.path.join(ROOT, "kubernetes/observability/loki-stack/overlays")
cases = []
for overlay in sorted(os.listdir(overlays)):
    config = subprocess.run(["kubectl", "kustomize", os.path.join(overlays, overlay, "config")],
                            check=True, capture_output=True, text=True).stdout
    cases.append((overlay, resource_list(config), 0))
refused = dict((n, rl) for n, rl, _ in cases)["local"].replace("period: 72h", "period: 12h")
assert "period: 12h" in refused
cases.append(("refused: retention 12h", refused, 1))
for name, rl, want in cases:
    code, out, err = run_wasi([], rl)
    n = subprocess.run([native], input=rl, capture_output=True, text=True)
    ok = code == n.returncode == want and out == n.stdout and err == n.stderr
    print(("ok   " if ok else "FAIL ") + f"{name}: exit {code}, {len(out)} bytes, identical to native: {out == n.stdout}")
    failures += not ok
code, out, _ = run_wasi(["--version"], "")
n = subprocess.run([native, "--version"], capture_output=True, text=True)
print(("ok   " if out == n.stdout else "FAIL ") + f"--version: {out.strip()}")
failures += out != n.stdout
sys.exit(1 if failures else 0)
