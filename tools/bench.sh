#!/usr/bin/env bash
# Benchmark: whole-process render of the local, cloud-aws and largest stacks (what kustomize and kpt pay per
# build). Reports median wall time (hyperfine) and peak RSS (GNU time), and the release
# binary's size. Targets: median <= 3 ms, peak RSS <= 16 MB.
#
# Needs hyperfine and GNU time (Debian: apt-get install hyperfine time).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${LOKI_STACK_FN:-target/release/loki-stack-fn}
runs=${BENCH_RUNS:-300}
for tool in hyperfine /usr/bin/time kubectl; do
  command -v "$tool" >/dev/null || { echo "bench needs $tool (Debian: apt-get install hyperfine time)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Inputs exactly as the runners send them: the local overlay, the cloud-aws overlay, and
# the largest stack (tests/stacks/cloud-everything.yaml: cloud, large, zones, caches, ruler, auth).
kubectl kustomize kubernetes/observability/loki-stack/overlays/local/config > "$work/local.yaml"
kubectl kustomize kubernetes/observability/loki-stack/overlays/cloud-aws/config > "$work/cloud-aws.yaml"
cp tests/stacks/cloud-everything.yaml "$work/largest.yaml"
for stack in local cloud-aws largest; do
  {
    printf 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n'
    sed 's/^/  /; 1s/^  /- /' "$work/$stack.yaml"
    printf 'functionConfig:\n'
    sed 's/^/  /' "$work/$stack.yaml"
  } > "$work/$stack-rl.yaml"
done

echo "== loki-stack-fn $("$bin" --version | cut -d' ' -f2), $(nproc) CPUs, $(uname -m)"
status=0
for stack in local cloud-aws largest; do
  objects=$("$bin" render -f "$work/$stack.yaml" | grep -c '^kind:')
  echo "-- $stack ($objects objects)"
  # hyperfine 1.15 (Debian 12) has no --input: stdin comes through sh, whose own start-up
  # hyperfine measures and subtracts.
  hyperfine --warmup 20 --runs "$runs" --style basic --export-json "$work/krm.json" \
    --command-name "KRM function (kustomize generator input)" "$bin < $work/$stack-rl.yaml" >/dev/null 2>"$work/hyperfine-krm.log"
  hyperfine -N --warmup 20 --runs "$runs" --style basic --export-json "$work/cli.json" \
    --command-name "render -f (plain YAML)" "$bin render -f $work/$stack.yaml" >/dev/null 2>"$work/hyperfine-cli.log"
  for mode in krm cli; do
    read -r name median mean stddev < <(python3 - "$work/$mode.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["command"].replace(" ", "_"), r["median"] * 1000, r["mean"] * 1000, r["stddev"] * 1000)
PY
)
    if [ "$mode" = krm ]; then
      rss=$( { /usr/bin/time -v "$bin" < "$work/$stack-rl.yaml" >/dev/null; } 2>&1 | awk -F': ' '/Maximum resident/ {print $2}')
    else
      rss=$( { /usr/bin/time -v "$bin" render -f "$work/$stack.yaml" >/dev/null; } 2>&1 | awk -F': ' '/Maximum resident/ {print $2}')
    fi
    printf '%-45s median %6.2f ms  mean %6.2f ms ± %5.2f  peak RSS %6.1f MB\n' \
      "${name//_/ }" "$median" "$mean" "$stddev" "$(echo "$rss / 1024" | bc -l)"
    awk -v m="$median" 'BEGIN { exit !(m <= 3.0) }' || { echo "  over the 3 ms median target" >&2; status=1; }
    [ "$rss" -le 16384 ] || { echo "  over the 16 MB peak RSS target" >&2; status=1; }
  done
  # Instructions do not depend on what else the machine is doing (times on a shared VM do).
  if command -v valgrind >/dev/null; then
    instr=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" < "$work/$stack-rl.yaml" 2>&1 >/dev/null \
      | awk '/refs:/ {gsub(",", "", $NF); print $NF}')
    printf '%-45s %s\n' "instructions, KRM function (callgrind)" "$instr"
  fi
done
printf '%-45s ' "process start alone (/bin/true)"
hyperfine -N --warmup 20 --runs "$runs" --style basic --export-json "$work/true.json" /bin/true >/dev/null 2>&1
python3 -c 'import json,sys; print("median %.2f ms" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$work/true.json"
size=$(stat -c %s "$bin")
printf '%-45s %d bytes (%.2f MiB)\n' "release binary size" "$size" "$(echo "$size / 1048576" | bc -l)"
# The WebAssembly build, when `make wasm` has built it: size, instantiation and render
# time in Node.
wasm=wasm/pkg/web/loki_stack_fn_bg.wasm
if [ -f "$wasm" ] && command -v node >/dev/null; then
  printf '%-45s %d bytes, %d gzipped\n' "wasm module size" "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
  node wasm/bench.js
fi
exit $status
