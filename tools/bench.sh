#!/usr/bin/env bash
# Benchmark: whole-process render of the local, cloud-aws, largest and Fluent Bit stacks (what kustomize and kpt pay per
# build). Reports median wall time (hyperfine) and peak RSS (GNU time), and the release
# binary's size. Targets: median <= 3 ms, peak RSS <= 16 MB.
# Then packages at scale: 10,000 and 20,000 unrelated objects as kpt sends them
# (tools/gen-package.py, fixed seed) through the KRM function. Targets: peak RSS <= 3x the
# input + 10 MB, and time linear in the input: 20k / 10k <= 2.1, checked on CPU time
# (user + system), which other load on the machine does not stretch; the ratio of the wall
# medians is printed beside it.
#
# Needs hyperfine and GNU time (Debian: apt-get install hyperfine time).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${LOKI_STACK_FN:-target/release/loki-stack-fn}
runs=${BENCH_RUNS:-300}
scale_runs=${BENCH_SCALE_RUNS:-30}
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
# ...and Fluent Bit with every collector option (its redaction rules compiled for Lua).
cp tests/stacks/local-fluent-bit.yaml "$work/fluent-bit.yaml"
for stack in local cloud-aws largest fluent-bit; do
  {
    printf 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n'
    sed 's/^/  /; 1s/^  /- /' "$work/$stack.yaml"
    printf 'functionConfig:\n'
    sed 's/^/  /' "$work/$stack.yaml"
  } > "$work/$stack-rl.yaml"
done

echo "== loki-stack-fn $("$bin" --version | cut -d' ' -f2), $(nproc) CPUs, $(uname -m)"
status=0
for stack in local cloud-aws largest fluent-bit; do
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
# Packages at scale.
declare -A scale_median scale_cpu
echo "-- packages at scale (load average $(cut -d' ' -f1-3 /proc/loadavg))"
for n in 10000 20000; do
  python3 tools/gen-package.py rl "$n" "$work/pkg-$n.yaml"
  bytes=$(stat -c %s "$work/pkg-$n.yaml")
  echo "-- package of $n objects as kpt sends it ($(echo "$bytes / 1000000" | bc -l | xargs printf '%.1f') MB)"
  hyperfine --warmup 3 --runs "$scale_runs" --style basic --export-json "$work/scale.json" \
    --command-name "KRM function, $n objects" "$bin < $work/pkg-$n.yaml" >/dev/null 2>"$work/hyperfine-scale.log"
  read -r median mean stddev cpu < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print(r["median"]*1000, r["mean"]*1000, r["stddev"]*1000, (r["user"]+r["system"])*1000)' "$work/scale.json")
  scale_median[$n]=$median
  scale_cpu[$n]=$cpu
  rss=$( { /usr/bin/time -v "$bin" < "$work/pkg-$n.yaml" >/dev/null; } 2>&1 | awk -F': ' '/Maximum resident/ {print $2}')
  printf '%-45s median %6.1f ms  mean %6.1f ms ± %5.1f  CPU %6.1f ms  peak RSS %6.1f MB (%.2fx the input)\n' \
    "KRM function, $n objects" "$median" "$mean" "$stddev" "$cpu" "$(echo "$rss * 1024 / 1000000" | bc -l)" \
    "$(echo "$rss * 1024 / $bytes" | bc -l)"
  # Peak RSS (KiB from GNU time) <= 3 x input + 10 MB.
  awk -v r="$rss" -v b="$bytes" 'BEGIN { exit !(r * 1024 <= 3 * b + 10000000) }' \
    || { echo "  over the peak RSS target (3x the input + 10 MB)" >&2; status=1; }
  if command -v valgrind >/dev/null; then
    instr=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" < "$work/pkg-$n.yaml" 2>&1 >/dev/null \
      | awk '/refs:/ {gsub(",", "", $NF); print $NF}')
    printf '%-45s %s\n' "instructions, $n objects (callgrind)" "$instr"
  fi
done
ratio=$(echo "${scale_cpu[20000]} / ${scale_cpu[10000]}" | bc -l)
printf '%-45s %.2f (wall medians: %.2f)\n' "CPU time 20k / 10k objects" "$ratio" \
  "$(echo "${scale_median[20000]} / ${scale_median[10000]}" | bc -l)"
awk -v r="$ratio" 'BEGIN { exit !(r <= 2.1) }' || { echo "  over the 2.1 linearity target" >&2; status=1; }

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
