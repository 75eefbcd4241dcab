#!/usr/bin/env bash
# Measures log delivery through a Loki outage with the real Loki and the real collector
# (issue 17: no log line lost while Loki is down). A fake pod writes RATE numbered lines a
# second to a CRI log file; Loki is stopped after WARM seconds and started again, on the
# same data dir, DOWN seconds later; then every id is looked up in Loki.
#
#   AGENT=promtail|fluent-bit [DOWN=900] [WARM=60] [AFTER=60] [DRAIN=300] [RATE=10]
#     [ROTATE_KIB=0] [RESTART_AGENT=0] [PORT_BASE=31000] tools/real-outage.sh [CONFIG]
#
# CONFIG (default: the base LokiStack for Promtail, tests/stacks/local-fluent-bit.yaml for
# Fluent Bit) is rendered fresh with $LOKI_STACK_FN (default target/release/loki-stack-fn of
# /work/main); only a local (filesystem) Loki config is run. The rendered Loki and agent
# configs are run as rendered except for test plumbing: paths under the work dir, Loki's
# address, every listener on 127.0.0.1 at a port from PORT_BASE (Loki HTTP +0, gRPC +1,
# memberlist +5 if any; the agent's HTTP +2; the stand-in Kubernetes API +3; Fluent Bit's
# Talos receiver +4), Promtail's pod discovery replaced by a static target. Every change is
# listed in WORK/plumbing.txt, and anything else changed is an error. Runs at the same time
# need PORT_BASEs at least 6 apart (e.g. 31000, 31010, 31020).
#
# Timeline: Loki up, agent up, writer starts; +WARM: Loki gets SIGTERM (waited for);
# with RESTART_AGENT=1 the agent gets SIGTERM at DOWN/2 into the outage (SIGKILL after the
# rendered DaemonSet's terminationGracePeriodSeconds, as kubelet would) and is started
# again with the same config, positions, DBs and buffer dirs; DOWN seconds after Loki
# exited: Loki starts again (Loki too gets its StatefulSet's grace period to exit);
# AFTER seconds later the writer stops; then Loki is polled every 10 s until every id is
# there (and the count held for one poll) or DRAIN seconds passed. Loki takes ~15-20 s to
# stop and to get ready again, so it is unavailable for a little longer than DOWN
# (loki_unavailable_s in the summary, SIGTERM to ready).
# ROTATE_KIB>0 rotates 0.log like kubelet (size checked every 10 s; at most 5 files: 0.log,
# the newest rotated 0.log.<YYYYMMDD-HHMMSS> uncompressed, 3 older ones gzipped, older
# deleted; details in tools/real-outage.py, writer()).
#
# Prints the agent's (and Loki's) relevant metrics just before Loki restarts (and before the
# agent restart) and at the end, the agent's peak RSS (VmHWM, sampled every second) and the
# peak size on disk of its buffer dir (Fluent Bit's storage.path; else its state dir),
# written/received/lost/duplicated ids with the lost ranges, and last a one-line JSON
# summary. An id is lost when it is not in Loki at the end of the drain: the summary's
# held_at_end says what the agent still held then (lines read but neither sent nor dropped
# by Promtail's last process; Fluent Bit's buffered chunks), i.e. ids that may come later,
# and complete_after_drain_s how long after the writer stopped the last id arrived.
# Exit 0 if nothing was lost or duplicated, 1 otherwise, 2 on a harness error.
# Duplicates with the same timestamp and line are merged by Loki and cannot be counted by
# id: loki_lines_received (Loki's distributor counter, summed over both Loki processes)
# above the unique ids received shows them.
# Everything (logs, configs, samples.csv, counts.json, events.log) stays in the work dir.
#
# Binaries: LOKI (default /opt/build/bin/loki, 3.7), PROMTAIL (/opt/build/bin/promtail, 3.6),
# FLUENT_BIT (/opt/build/bin/fluent-bit, 5.1). Not part of `make test`: the real programs are
# not in CI (like tools/real-promtail.sh and tools/real-fluent-bit.sh).
set -euo pipefail
# Everything runs in main(), which bash reads whole before running it, and the Python
# helper is copied to the work dir: editing either file during a long run changes nothing
# in that run.
NODE=talos-cp-1
loki_pid='' agent_pid='' writer_pid='' sampler_pid='' api_pid='' work=''

# shellcheck disable=SC2317  # run by the EXIT trap (shellcheck 0.9 takes it for dead code)
cleanup() {
  local pid
  for pid in "$writer_pid" "$agent_pid" "$loki_pid" "$api_pid" "$sampler_pid" $(jobs -p); do
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  [ -z "$work" ] || echo "work dir: $work"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

event() { echo "$(date -u +%H:%M:%S) +${SECONDS}s $*" | tee -a "$work/events.log"; }

start_loki() {
  "$loki_bin" -config.file="$work/loki.yaml" >>"$work/loki.log" 2>&1 &
  loki_pid=$!
  local _
  for _ in $(seq 120); do
    curl -sf "127.0.0.1:$loki_port/ready" >/dev/null && return 0
    kill -0 "$loki_pid" 2>/dev/null || break
    sleep 1
  done
  tail -20 "$work/loki.log"; echo "Loki did not get ready (log: $work/loki.log)" >&2; exit 2
}

sleep_until() {
  local left=$(($1 - SECONDS))
  if [ "$left" -gt 0 ]; then sleep "$left"; fi
}

# SIGTERM, then wait for the exit (SIGKILL after TIMEOUT seconds, said loudly).
stop() {
  local pid=$1 what=$2 timeout=$3 _
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq "$timeout"); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then
    event "$what did not exit ${timeout}s after SIGTERM: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

start_agent() {
  echo "=== started $(date -u +%FT%TZ)" >>"$work/$agent.log"
  if [ "$agent" = promtail ]; then
    HOSTNAME=$NODE "$agent_bin" -config.file="$work/promtail.yaml" -config.expand-env=true >>"$work/$agent.log" 2>&1 &
  else
    NODE_NAME=$NODE HOSTNAME=fluent-bit-abcde POD_IP=127.0.0.1 "$agent_bin" -c "$work/fluent-bit.yaml" >>"$work/$agent.log" 2>&1 &
  fi
  agent_pid=$!
  echo "$agent_pid" >"$work/agent.pid"
  local _
  for _ in $(seq 30); do
    (exec 3<>"/dev/tcp/127.0.0.1/$agent_port") 2>/dev/null && return 0
    kill -0 "$agent_pid" 2>/dev/null || break
    sleep 1
  done
  tail -20 "$work/$agent.log"; echo "$agent did not start (log: $work/$agent.log)" >&2; exit 2
}

# The agent's metrics (and Loki's, given a second argument) to the terminal and WORK/metrics-LABEL.txt.
snapshot() {
  {
    echo "# $agent metrics, $1 (+${SECONDS}s)"
    "${helper[@]}" metrics "$agent" "$agent_port"
    if [ -n "${2:-}" ]; then echo "# Loki metrics"; "${helper[@]}" metrics loki "$loki_port"; fi
  } | tee "$work/metrics-$1.txt"
}

main() {
  cd "$(dirname "$0")/.."
  agent=${AGENT:-promtail}
  loki_bin=${LOKI:-/opt/build/bin/loki}
  local fn=${LOKI_STACK_FN:-/work/main/target/release/loki-stack-fn} default
  case $agent in
    promtail) agent_bin=${PROMTAIL:-/opt/build/bin/promtail}; default=kubernetes/observability/loki-stack/base/config/lokistack.yaml ;;
    fluent-bit) agent_bin=${FLUENT_BIT:-/opt/build/bin/fluent-bit}; default=tests/stacks/local-fluent-bit.yaml ;;
    *) echo "AGENT must be promtail or fluent-bit, not $agent" >&2; exit 2 ;;
  esac
  local config=${1:-$default}
  local down=${DOWN:-900} warm=${WARM:-60} after=${AFTER:-60} drain=${DRAIN:-300}
  local rate=${RATE:-10} rotate_kib=${ROTATE_KIB:-0} restart_agent=${RESTART_AGENT:-0} base=${PORT_BASE:-31000}
  local v bin port outage_start
  for v in down warm after drain rotate_kib restart_agent base; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "$v must be a whole number, not ${!v}" >&2; exit 2; }
  done
  [[ $rate =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "RATE must be a number, not $rate" >&2; exit 2; }
  for bin in "$loki_bin" "$agent_bin" "$fn"; do
    [ -x "$bin" ] || { echo "$bin is not an executable" >&2; exit 2; }
  done
  loki_port=$base agent_port=$((base + 2))
  for port in "$base" $((base + 1)) "$agent_port" $((base + 3)) $((base + 4)) $((base + 5)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "port $port (PORT_BASE=$base) is in use: another run? pick another PORT_BASE" >&2; exit 2
    fi
  done

  work=$(mktemp -d "${TMPDIR:-/tmp}/real-outage.$agent.XXXXXX")
  echo "work dir: $work"
  cp tools/real-outage.py "$work/"
  helper=(python3 "$work/real-outage.py")
  "$fn" render -f "$config" >"$work/stack.yaml"
  "${helper[@]}" prepare "$work" "$agent" "$base"
  # The rendered terminationGracePeriodSeconds: how long kubelet waits after SIGTERM.
  local agent_grace loki_grace
  agent_grace=$("${helper[@]}" grace "$work" "$agent")
  loki_grace=$("${helper[@]}" grace "$work" loki)
  local render
  render=$(sha256sum "$work/stack.yaml" | cut -c1-12)
  printf '{"agent":"%s","config":"%s","render":"%s","down":%s,"warm":%s,"after":%s,"drain":%s,"rate":%s,"rotate_kib":%s,"restart_agent":%s,"port_base":%s}\n' \
    "$agent" "$config" "$render" "$down" "$warm" "$after" "$drain" "$rate" "$rotate_kib" "$restart_agent" "$base" >"$work/params.json"

  if [ "$agent" = fluent-bit ]; then
    "${helper[@]}" api "$work" $((base + 3)) >"$work/api.log" 2>&1 &
    api_pid=$!
  fi
  start_loki
  event "Loki ready on 127.0.0.1:$loki_port"
  start_agent
  event "$agent started (pid $agent_pid)"
  "${helper[@]}" sample "$work" &
  sampler_pid=$!
  "${helper[@]}" writer "$work" "$rate" "$rotate_kib" &
  writer_pid=$!
  event "writer started: $rate lines/s, ROTATE_KIB=$rotate_kib"
  sleep "$warm"
  snapshot before-outage loki >/dev/null
  event "Loki: SIGTERM"
  outage_start=$SECONDS
  stop "$loki_pid" Loki "$loki_grace"
  loki_pid=''
  event "Loki stopped; down for ${down}s"
  local down_from=$SECONDS
  if [ "$restart_agent" = 1 ]; then
    sleep_until $((down_from + down / 2))
    snapshot before-agent-restart
    event "$agent: SIGTERM (SIGKILL after the DaemonSet's grace period, ${agent_grace}s, as kubelet does)"
    stop "$agent_pid" "$agent" "$agent_grace"
    event "$agent stopped; starting it again"
    start_agent
    event "$agent started again (pid $agent_pid)"
  fi
  sleep_until $((down_from + down))
  snapshot before-loki-restart
  start_loki
  event "Loki ready again"
  echo "{\"loki_unavailable_s\":$((SECONDS - outage_start))}" >"$work/outage.json"
  sleep "$after"
  stop "$writer_pid" writer 30
  writer_pid=''
  event "writer stopped: $(cat "$work/writer.json")"
  "${helper[@]}" count "$work" "$loki_port" "$drain"
  event "drained"
  snapshot final loki
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=''
  "${helper[@]}" summary "$work"
  exit  # here, not after main: bash reads no further line of this file once main runs
}

main "$@"
