#!/usr/bin/env bash
# Builds the WebAssembly package: the wasm crate (size-optimised profile `wasm`), then
# wasm-bindgen for Node (CommonJS) and for the web (ES module), then wasm-opt, into an
# npm package layout at wasm/pkg/ (package.json, README, TypeScript types).
#
# Also the WASI module (target/wasi/loki-stack-fn.wasm) and the playground site
# (target/playground, with Mermaid from tools/fetch-mermaid.sh).
#
# Needs: rustup targets wasm32-unknown-unknown and wasm32-wasip1, wasm-bindgen-cli at exactly the version
# of the wasm-bindgen crate (installed under .cache/ by this script), wasm-opt (Debian
# binaryen), npm (tools/fetch-mermaid.sh, once).
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(awk -F'"' '/^wasm-bindgen = /{print $2}' wasm/Cargo.toml | tr -d '=')
bindgen_root=".cache/wasm-bindgen-$version"
bindgen="$bindgen_root/bin/wasm-bindgen"
if [ ! -x "$bindgen" ] || [ "$("$bindgen" --version | cut -d' ' -f2)" != "$version" ]; then
  echo "== installing wasm-bindgen-cli $version into $bindgen_root"
  cargo install --locked --quiet wasm-bindgen-cli --version "$version" --root "$bindgen_root"
fi
command -v wasm-opt >/dev/null || { echo "wasm-opt missing (Debian: apt-get install binaryen)" >&2; exit 2; }

cargo build --locked --quiet --profile wasm --target wasm32-unknown-unknown -p loki-stack-fn-wasm
raw=target/wasm32-unknown-unknown/wasm/loki_stack_fn_wasm.wasm
out=wasm/pkg
rm -rf "$out"
mkdir -p "$out"
for target in nodejs web; do
  dir="$out/${target/nodejs/node}"
  "$bindgen" --target "$target" --out-dir "$dir" --out-name loki_stack_fn "$raw"
  # rustc's default wasm features (bulk memory, sign-ext, reference types, ...) enabled.
  wasm-opt -Oz --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
    --strip-debug --strip-producers \
    -o "$dir/loki_stack_fn_bg.wasm.opt" "$dir/loki_stack_fn_bg.wasm"
  mv "$dir/loki_stack_fn_bg.wasm.opt" "$dir/loki_stack_fn_bg.wasm"
done
# Both targets get the same module: ship it once, in web/, and point Node's glue at it.
cmp -s "$out/node/loki_stack_fn_bg.wasm" "$out/web/loki_stack_fn_bg.wasm"
rm "$out/node/loki_stack_fn_bg.wasm"
sed -i 's|`${__dirname}/loki_stack_fn_bg.wasm`|`${__dirname}/../web/loki_stack_fn_bg.wasm`|' "$out/node/loki_stack_fn.js"
grep -q '/../web/loki_stack_fn_bg.wasm' "$out/node/loki_stack_fn.js"
pkg_version=$(cargo metadata --no-deps --format-version 1 --locked |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "loki-stack-fn-wasm"))')
sed "s/\"version\": \"0.0.0\"/\"version\": \"$pkg_version\"/" wasm/npm/package.json >"$out/package.json"
cp wasm/npm/README.md "$out/"
wasm="$out/web/loki_stack_fn_bg.wasm"
printf 'wasm: %s bytes raw, %s bytes gzipped (-9); package at %s\n' \
  "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)" "$out"

# WASI: the CLI itself for wasm32-wasip1, an exec KRM function for any WASI runtime
# (`wasmtime run loki-stack-fn.wasm < resource-list.yaml`).
cargo build --locked --quiet --profile wasm --target wasm32-wasip1 --bin loki-stack-fn -p loki-stack-fn
mkdir -p target/wasi
wasm-opt -Oz --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
  --enable-nontrapping-float-to-int --strip-debug --strip-producers \
  -o target/wasi/loki-stack-fn.wasm target/wasm32-wasip1/wasm/loki-stack-fn.wasm
printf 'wasi: %s bytes raw, %s bytes gzipped (-9) at target/wasi/loki-stack-fn.wasm\n' \
  "$(stat -c %s target/wasi/loki-stack-fn.wasm)" "$(gzip -9 -c target/wasi/loki-stack-fn.wasm | wc -c)"

# The playground: a static site (no server logic), with the web build, the overlays'
# configs (as kustomize resolves them) as examples, and Mermaid for its Picture tab (from
# tools/fetch-mermaid.sh: npm, pinned version and sha512; never committed).
mermaid=$(tools/fetch-mermaid.sh)
site=target/playground
rm -rf "$site"
mkdir -p "$site/pkg" "$site/examples"
cp wasm/playground/index.html wasm/playground/app.js wasm/playground/style.css "$site/"
cp "$mermaid" "$site/mermaid.min.js"
cp "$(dirname "$mermaid")/LICENSE" "$site/mermaid.LICENSE"
cp -r "$out/web" "$site/pkg/web"
for overlay in local local-fluent-bit cloud-aws cloud-gcp cloud-aws-helm agent; do
  kubectl kustomize "kubernetes/observability/loki-stack/overlays/$overlay/config" >"$site/examples/$overlay.yaml"
done
echo "playground at $site (serve it, e.g.: python3 -m http.server -d $site 8000)"
