#!/usr/bin/env bash
# Deploys, verifies, diffs and uninstalls the Loki + Promtail stack of an overlay.
#
#   scripts/deploy-loki.sh [--dry-run] deploy ENV      render, apply (server-side), wait, verify
#   scripts/deploy-loki.sh [--dry-run] verify ENV      the health checks: PASS/FAIL lines
#   scripts/deploy-loki.sh [--dry-run] diff ENV        kubectl diff --server-side
#   scripts/deploy-loki.sh [--dry-run] uninstall ENV [--delete-data]
#
# ENV is an overlay under kubernetes/observability/loki-stack/overlays/. The stack is
# rendered by the repo's own `make render ENV=...` (release binary, kubectl kustomize with
# the legacy plugin), never by a copy. --dry-run prints every kubectl command (reading and
# mutating) instead of running it; the rendering, which only reads the repo, still runs.
# Needs bash, make, kubectl, jq and curl (and cargo for `make render`'s build step).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK="$ROOT/kubernetes/observability/loki-stack"
FIELD_MANAGER=loki-stack-fn
ROLLOUT_TIMEOUT=${LOKI_ROLLOUT_TIMEOUT:-5m}
LOG_SINCE=${LOKI_VERIFY_LOG_SINCE:-10m}
QUERY_SINCE=${LOKI_VERIFY_QUERY_SINCE:-1h}
DRY_RUN=0
DELETE_DATA=0
WORK=
PF_PID=

usage() {
  cat <<'EOF'
Usage: scripts/deploy-loki.sh [--dry-run] COMMAND ENV [--delete-data]

Commands:
  deploy ENV      render the overlay (make render ENV=...), apply it with
                  `kubectl apply --server-side`: the Namespace first, then everything
                  else, then the objects whose CRDs exist (ServiceMonitor, ...); wait for
                  every Deployment/StatefulSet/DaemonSet to roll out; then verify ENV
  verify ENV      health checks, one `PASS <check>` or `FAIL <check>: <why>` line each;
                  exit 1 if any check fails
  diff ENV        `kubectl diff --server-side` of the rendered stack
                  (exit 0: no differences, 1: differences, like kubectl diff)
  uninstall ENV   delete the stack's objects (and the Grafana datasource ConfigMap); the
                  PersistentVolumeClaims and the Namespace that holds them are kept
                  unless --delete-data is given (the PVCs and their sizes are listed first)

Flags:
  --dry-run       print every kubectl command (reading and mutating) instead of running
                  it; the rendering still runs (it only reads the repository)
  --delete-data   uninstall only: also delete the PVCs (the stored logs) and the Namespace
  -h, --help      this text

Environment: LOKI_ROLLOUT_TIMEOUT (5m), LOKI_VERIFY_LOG_SINCE (10m: Promtail logs read),
LOKI_VERIFY_QUERY_SINCE (1h: the query window).
EOF
}

say() { printf '==> %s\n' "$*"; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Prints a command as it would be typed.
show() {
  local out='+' a
  for a in "$@"; do out+=" $(printf '%q' "$a")"; done
  printf '%s\n' "$out"
}

# A mutating command: printed, then run unless --dry-run.
mutate() {
  show "$@"
  if [ "$DRY_RUN" = 1 ]; then return 0; fi
  "$@"
}

cleanup() {
  if [ -n "$PF_PID" ]; then
    kill "$PF_PID" 2>/dev/null || true
    wait "$PF_PID" 2>/dev/null || true
  fi
  if [ -n "$WORK" ] && [ -d "$WORK" ] && [ "$DRY_RUN" = 0 ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

overlays() {
  local d
  for d in "$STACK"/overlays/*/; do
    [ -d "$d/kubectl" ] && basename "$d"
  done
  return 0
}

check_env() {
  local env=$1
  if [ -z "$env" ]; then
    die "missing ENV; overlays: $(overlays | tr '\n' ' ')"
  fi
  if ! overlays | grep -qxF -- "$env"; then
    printf 'error: unknown ENV %s; overlays: %s\n' "$env" "$(overlays | tr '\n' ' ')" >&2
    exit 2
  fi
}

# ---------------------------------------------------------------------------------------
# Rendering and splitting

# Renders the overlay with the repo's own command into $WORK/stack.yaml and splits it into
# one file per object, indexed in $WORK/index (n, apiVersion, kind, namespace, name).
render() {
  local env=$1
  # A private plugin home: make links this checkout's own binary there, so a stale or
  # foreign link in .cache/kustomize-plugins cannot change what is deployed.
  say "rendering overlay $env: make -C $ROOT render ENV=$env PLUGIN_HOME=$WORK/kustomize-plugins"
  if ! make -s --no-print-directory -C "$ROOT" render ENV="$env" PLUGIN_HOME="$WORK/kustomize-plugins" \
    >"$WORK/stack.yaml"; then
    die "rendering overlay $env failed (see above)"
  fi
  mkdir -p "$WORK/docs"
  # kustomize writes block-style YAML: top-level keys at column 0, metadata's own keys
  # indented by two spaces, documents separated by `---` lines (block scalars are
  # indented, so a `---` at column 0 always separates documents).
  awk -v dir="$WORK/docs" '
    function val(s) {
      sub(/^[^:]*:[[:space:]]*/, "", s); sub(/[[:space:]]+$/, "", s)
      if (s ~ /^".*"$/ || s ~ /^'\''.*'\''$/) s = substr(s, 2, length(s) - 2)
      return s
    }
    function flush(  f) {
      if (kind != "") {
        f = sprintf("%s/%04d.yaml", dir, n)
        printf "%s", buf > f; close(f)
        printf "%04d\t%s\t%s\t%s\t%s\n", n, api, kind, (ns == "" ? "-" : ns), name
        n++
      }
      buf = ""; api = ""; kind = ""; ns = ""; name = ""; inmeta = 0
    }
    /^---[[:space:]]*$/ { flush(); next }
    { buf = buf $0 "\n" }
    /^[^[:space:]#]/ { inmeta = ($0 ~ /^metadata:[[:space:]]*$/) }
    /^apiVersion:/ { api = val($0) }
    /^kind:/ { kind = val($0) }
    inmeta && /^  name:/ { name = val($0) }
    inmeta && /^  namespace:/ { ns = val($0) }
    END { flush() }
  ' "$WORK/stack.yaml" >"$WORK/index"
  if ! [ -s "$WORK/index" ]; then die "overlay $env rendered no objects"; fi
  NAMESPACE=$(awk -F'\t' '$3 == "Namespace" { print $5; exit }' "$WORK/index")
  # The collector: Promtail, or Fluent Bit (spec.collector.kind), by its DaemonSet.
  AGENT=promtail AGENT_NAME=Promtail AGENT_ERROR='level=error' AGENT_ERROR_WHAT=level=error
  if awk -F'\t' '$3 == "DaemonSet" && $5 == "fluent-bit" { f = 1 } END { exit !f }' "$WORK/index"; then
    AGENT=fluent-bit AGENT_NAME="Fluent Bit" AGENT_ERROR='] [error] ' AGENT_ERROR_WHAT='[error]'
  fi
  if [ -z "$NAMESPACE" ]; then die "overlay $env renders no Namespace"; fi
  say "rendered $(wc -l <"$WORK/index") objects; the stack's namespace is $NAMESPACE"
}

# The CRD an object needs (plural.group), or nothing for built-in kinds.
crd_of() {
  local api=$1 kind=$2 group plural lower
  group=${api%/*}
  case "$group" in
    monitoring.coreos.com | cilium.io | gateway.networking.k8s.io | helm.toolkit.fluxcd.io | source.toolkit.fluxcd.io) ;;
    *) return 0 ;;
  esac
  lower=$(printf '%s' "$kind" | tr '[:upper:]' '[:lower:]')
  case "$lower" in
    *y) plural="${lower%y}ies" ;;
    *s) plural="${lower}es" ;;
    *) plural="${lower}s" ;;
  esac
  printf '%s.%s\n' "$plural" "$group"
}

# Concatenates the given index lines' objects into one multi-document file.
write_group() {
  local out=$1 lines=$2 n rest first=1
  : >"$out"
  while IFS=$'\t' read -r n rest; do
    [ -n "$n" ] || continue
    if [ "$first" = 0 ]; then printf -- '---\n' >>"$out"; fi
    first=0
    cat "$WORK/docs/$n.yaml" >>"$out"
  done <<<"$lines"
}

list_group() {
  local lines=$1
  awk -F'\t' 'NF { printf "    %s %s%s\n", $3, ($4 == "-" ? "" : $4 "/"), $5 }' <<<"$lines"
}

# Sorts the rendered objects into apply groups, in apply order, as files
# $WORK/groups/NN-name.yaml with a description $WORK/groups/NN-name.why. Objects that
# cannot be applied (CRD missing, foreign namespace missing) are reported and left out.
plan() {
  local n api kind ns name crd lines
  mkdir -p "$WORK/groups"
  : >"$WORK/skipped"
  local ns_lines core_lines="" crd_names=""
  ns_lines=$(awk -F'\t' '$3 == "Namespace"' "$WORK/index")
  local own_ns
  own_ns=" $(awk -F'\t' '$3 == "Namespace" { printf "%s ", $5 }' "$WORK/index")"
  declare -A crd_lines=()
  declare -A foreign_ok=()
  while IFS=$'\t' read -r n api kind ns name; do
    [ "$kind" = Namespace ] && continue
    crd=$(crd_of "$api" "$kind")
    if [ -n "$crd" ]; then
      if [ -z "${crd_lines[$crd]+x}" ]; then
        crd_lines[$crd]=""
        crd_names+="$crd "
      fi
      crd_lines[$crd]+="$n"$'\t'"$api"$'\t'"$kind"$'\t'"$ns"$'\t'"$name"$'\n'
      continue
    fi
    # A namespace the stack does not create (the Grafana datasource's `monitoring`).
    if [ "$ns" != - ] && [[ $own_ns != *" $ns "* ]]; then
      if [ -z "${foreign_ok[$ns]+x}" ]; then
        say "checking that namespace $ns (not created by the stack) exists"
        if namespace_exists "$ns"; then foreign_ok[$ns]=1; else foreign_ok[$ns]=0; fi
      fi
      if [ "${foreign_ok[$ns]}" = 0 ]; then
        printf '%s %s/%s: namespace %s does not exist (create it, or install Grafana / kube-prometheus-stack there, then re-run)\n' \
          "$kind" "$ns" "$name" "$ns" >>"$WORK/skipped"
        continue
      fi
    fi
    core_lines+="$n"$'\t'"$api"$'\t'"$kind"$'\t'"$ns"$'\t'"$name"$'\n'
  done <"$WORK/index"

  write_group "$WORK/groups/01-namespace.yaml" "$ns_lines"
  printf 'the Namespace\n' >"$WORK/groups/01-namespace.why"
  list_group "$ns_lines" >"$WORK/groups/01-namespace.list"
  write_group "$WORK/groups/02-stack.yaml" "$core_lines"
  printf 'the stack (built-in kinds)\n' >"$WORK/groups/02-stack.why"
  list_group "$core_lines" >"$WORK/groups/02-stack.list"
  local i=3 kinds
  for crd in $crd_names; do
    lines=${crd_lines[$crd]}
    kinds=$(awk -F'\t' 'NF { print $3 }' <<<"$lines" | sort -u | tr '\n' ' ')
    say "checking for CRD $crd (needed by ${kinds% })"
    if crd_exists "$crd"; then
      local base
      base=$(printf '%s/groups/%02d-%s' "$WORK" "$i" "$crd")
      write_group "$base.yaml" "$lines"
      printf 'the objects that need CRD %s\n' "$crd" >"$base.why"
      list_group "$lines" >"$base.list"
      i=$((i + 1))
    else
      awk -F'\t' -v crd="$crd" 'NF { printf "%s %s/%s: CRD %s is not installed (install the operator that owns it, e.g. kube-prometheus-stack for monitoring.coreos.com or Flux for *.toolkit.fluxcd.io, then re-run)\n", $3, $4, $5, crd }' \
        <<<"$lines" >>"$WORK/skipped"
    fi
  done
  if [ -s "$WORK/skipped" ]; then
    say "skipping objects that this cluster cannot take yet:"
    sed 's/^/    SKIP /' "$WORK/skipped"
  fi
}

# 0: exists; 1: NotFound; anything else is an error (no cluster, no permission).
kubectl_exists() {
  local what=$1 err
  shift
  if [ "$DRY_RUN" = 1 ]; then
    show kubectl get "$@"
    say "(dry run: assuming $what exists)"
    return 0
  fi
  if err=$(kubectl get "$@" -o name 2>&1 >/dev/null); then return 0; fi
  if grep -q 'NotFound\|not found' <<<"$err"; then return 1; fi
  die "kubectl get $*: $err"
}
crd_exists() { kubectl_exists "CRD $1" crd "$1"; }
namespace_exists() { kubectl_exists "namespace $1" namespace "$1"; }

# ---------------------------------------------------------------------------------------
# Commands

cmd_deploy() {
  local env=$1 f
  render "$env"
  plan
  for f in "$WORK"/groups/*.yaml; do
    [ -s "$f" ] || continue
    say "applying $(cat "${f%.yaml}.why"):"
    cat "${f%.yaml}.list"
    mutate kubectl apply --server-side --field-manager="$FIELD_MANAGER" -f "$f"
  done
  say "waiting for the rollouts (timeout $ROLLOUT_TIMEOUT each)"
  local n api kind ns name
  while IFS=$'\t' read -r n api kind ns name; do
    case "$kind" in
      Deployment | StatefulSet | DaemonSet)
        mutate kubectl rollout status -n "$ns" "$(printf '%s' "$kind" | tr '[:upper:]' '[:lower:]')/$name" \
          --timeout="$ROLLOUT_TIMEOUT" || die "$kind $ns/$name did not roll out within $ROLLOUT_TIMEOUT"
        ;;
    esac
  done <"$WORK/index"
  verify_checks "$env"
}

cmd_diff() {
  local env=$1 f rc=0 files=()
  render "$env"
  plan
  for f in "$WORK"/groups/*.yaml; do
    if [ -s "$f" ]; then files+=(-f "$f"); fi
  done
  say "diffing the rendered stack against the cluster"
  if [ "$DRY_RUN" = 1 ]; then
    show kubectl diff --server-side --field-manager="$FIELD_MANAGER" "${files[@]}"
    return 0
  fi
  show kubectl diff --server-side --field-manager="$FIELD_MANAGER" "${files[@]}"
  kubectl diff --server-side --field-manager="$FIELD_MANAGER" "${files[@]}" || rc=$?
  case "$rc" in
    0) say "no differences" ;;
    1) say "differences above" ;;
    *) die "kubectl diff failed (exit $rc)" ;;
  esac
  return "$rc"
}

# Prints the stack's PVCs (name, size, StorageClass) and sets PVC_NAMES.
list_pvcs() {
  local json
  PVC_NAMES=()
  say "listing the PersistentVolumeClaims of Loki in $NAMESPACE"
  show kubectl get pvc -n "$NAMESPACE" -l app.kubernetes.io/name=loki -o json
  if [ "$DRY_RUN" = 1 ]; then return 0; fi
  json=$(kubectl get pvc -n "$NAMESPACE" -l app.kubernetes.io/name=loki -o json) ||
    die "cannot list the PersistentVolumeClaims in $NAMESPACE"
  mapfile -t PVC_NAMES < <(jq -r '.items[].metadata.name' <<<"$json")
  if [ "${#PVC_NAMES[@]}" = 0 ]; then
    say "no PersistentVolumeClaims of Loki in $NAMESPACE"
    return 0
  fi
  say "${#PVC_NAMES[@]} PersistentVolumeClaims of Loki in $NAMESPACE (the stored logs, WAL and index):"
  jq -r '.items[] | "    \(.metadata.name)  \(.status.capacity.storage // .spec.resources.requests.storage // "?")  storageClass=\(.spec.storageClassName // "default")  volume=\(.spec.volumeName // "-")"' <<<"$json"
  jq -r '[.items[] | (.status.capacity.storage // .spec.resources.requests.storage // "0")
          | capture("^(?<n>[0-9.]+)(?<u>[A-Za-z]*)$")
          | (.n | tonumber) * ({"": 1, "Ki": 1024, "Mi": 1048576, "Gi": 1073741824, "Ti": 1099511627776,
                                "K": 1000, "M": 1000000, "G": 1000000000, "T": 1000000000000}[.u] // 0)]
         | add / 1073741824 | "    total: \(. * 100 | round / 100) GiB"' <<<"$json"
}

cmd_uninstall() {
  local env=$1 f groups=()
  render "$env"
  plan
  say "uninstalling the stack of overlay $env from namespace $NAMESPACE"
  list_pvcs
  if [ "$DELETE_DATA" = 1 ]; then
    say "--delete-data: the PVCs above and namespace $NAMESPACE will be deleted: the logs they hold are lost (whether the volumes themselves are erased depends on each StorageClass's reclaimPolicy; chunks in object storage are never touched)"
  else
    say "keeping the PVCs above and namespace $NAMESPACE (it holds them); add --delete-data to delete them and lose the logs they hold"
  fi
  # Reverse apply order: CRD-dependent objects first, the Namespace last (if at all).
  mapfile -t groups < <(printf '%s\n' "$WORK"/groups/*.yaml | sort -r)
  for f in "${groups[@]}"; do
    [ -s "$f" ] || continue
    case "$f" in */01-namespace.yaml) continue ;; esac
    say "deleting $(cat "${f%.yaml}.why"):"
    cat "${f%.yaml}.list"
    mutate kubectl delete --ignore-not-found --wait=true -f "$f"
  done
  if [ "$DELETE_DATA" = 1 ]; then
    if [ "$DRY_RUN" = 1 ]; then
      mutate kubectl delete pvc -n "$NAMESPACE" -l app.kubernetes.io/name=loki --ignore-not-found --wait=true
    elif [ "${#PVC_NAMES[@]}" -gt 0 ]; then
      mutate kubectl delete pvc -n "$NAMESPACE" --ignore-not-found --wait=true "${PVC_NAMES[@]}"
    fi
    say "deleting the Namespace:"
    cat "$WORK/groups/01-namespace.list"
    mutate kubectl delete --ignore-not-found --wait=true -f "$WORK/groups/01-namespace.yaml"
  fi
  say "uninstalled overlay $env"
}

# ---------------------------------------------------------------------------------------
# verify

FAILED=0
pass() { printf 'PASS %s\n' "$1"; }
fail() {
  printf 'FAIL %s: %s\n' "$1" "$2"
  FAILED=1
}

# Port-forwards to a Service's port on a free local port, which it puts in PF_PORT.
port_forward() {
  local svc=$1 port=$2 i
  PF_PORT=
  show kubectl port-forward -n "$NAMESPACE" "service/$svc" ":$port" --address 127.0.0.1
  kubectl port-forward -n "$NAMESPACE" "service/$svc" ":$port" --address 127.0.0.1 >"$WORK/pf.log" 2>&1 &
  PF_PID=$!
  for i in $(seq 1 100); do
    PF_PORT=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$WORK/pf.log" | head -n 1)
    if [ -n "$PF_PORT" ]; then return 0; fi
    if ! kill -0 "$PF_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  PF_ERROR=$(tr '\n' ' ' <"$WORK/pf.log")
  [ -n "$PF_ERROR" ] || PF_ERROR="no port after ${i}00 ms"
  return 1
}

# GET on Loki through the port-forward: body in $WORK/body, HTTP status on stdout.
loki_get() {
  local path=$1
  shift
  local headers=()
  if [ -n "$TENANT" ]; then headers=(-H "X-Scope-OrgID: $TENANT"); fi
  curl -sS --max-time 30 -o "$WORK/body" -w '%{http_code}' "${headers[@]}" --get "$@" \
    "http://127.0.0.1:$PF_PORT$path" 2>"$WORK/curl.err" || {
    printf '000'
    return 0
  }
}

pods_summary_not_ready() {
  jq -r '.items[] | select((.status.phase != "Running") or
          ([.status.conditions[]? | select(.type == "Ready" and .status == "True")] | length == 0))
        | "\(.metadata.name) (\(.status.phase // "?")\(
            [.status.conditions[]? | select(.type == "Ready" and .status != "True") | ", not Ready: \(.reason // "?")"] | join("")))"'
}

verify_checks() {
  local env=$1
  if [ -z "${NAMESPACE:-}" ]; then render "$env"; fi
  say "verifying overlay $env in namespace $NAMESPACE"
  # An agent (profile agent) renders the collector alone, no Loki workload or HelmRelease:
  # the Loki checks are the central stack's. Its datasource is rendered only when enabled.
  local with_loki=1 with_datasource=1
  if ! awk -F'\t' '$3 == "StatefulSet" || $3 == "Deployment" || $3 == "HelmRelease" { f = 1 } END { exit !f }' "$WORK/index"; then
    with_loki=0
    say "profile agent: no Loki runs here (loki-pods-ready, loki-ready, loki-labels and query-* are checked on the central stack)"
  fi
  if ! awk -F'\t' '$3 == "ConfigMap" && $5 == "loki-grafana-datasource" { f = 1 } END { exit !f }' "$WORK/index"; then
    with_datasource=0
  fi
  # What to query: the stack's query path without credentials (query-frontend in the
  # Distributed mode, loki-read in SimpleScalable, loki in SingleBinary), port 3100.
  local svc=loki
  if awk -F'\t' '$3 == "Service" && $5 == "loki-query-frontend" { f = 1 } END { exit !f }' "$WORK/index"; then
    svc=loki-query-frontend
  elif awk -F'\t' '$3 == "Service" && $5 == "loki-read" { f = 1 } END { exit !f }' "$WORK/index"; then
    svc=loki-read
  fi
  # With tenancy on (auth_enabled), queries name the tenant the collector pushes as.
  TENANT=
  if grep -Eq '^[[:space:]]+auth_enabled: true$' "$WORK/stack.yaml"; then
    TENANT=$(sed -nE 's/^[[:space:]]+tenant_id: "?([^"[:space:]]+)"?$/\1/p' "$WORK/stack.yaml" | head -n 1)
    [ -n "$TENANT" ] || TENANT=cluster
  fi
  if [ "$DRY_RUN" = 1 ]; then
    say "dry run: the checks would run these commands (nothing is checked):"
    if [ "$with_loki" = 1 ]; then show kubectl get pods -n "$NAMESPACE" -l app.kubernetes.io/name=loki -o json; fi
    show kubectl get nodes -o json
    show kubectl get pods -n "$NAMESPACE" -l app.kubernetes.io/name="$AGENT" -o json
    show kubectl logs -n "$NAMESPACE" POD --all-containers=true --since="$LOG_SINCE"
    if [ "$with_loki" = 1 ]; then
      show kubectl port-forward -n "$NAMESPACE" "service/$svc" :3100 --address 127.0.0.1
      say "then GET /ready, /loki/api/v1/labels and /loki/api/v1/query_range through it${TENANT:+ (X-Scope-OrgID: $TENANT)}"
    fi
    if [ "$with_datasource" = 1 ]; then show kubectl get configmap -n monitoring loki-grafana-datasource -o json; fi
    return 0
  fi

  local json why
  # 1. Loki pods Running and Ready.
  if [ "$with_loki" = 1 ]; then
    say "loki-pods-ready: kubectl get pods -n $NAMESPACE -l app.kubernetes.io/name=loki"
    if ! json=$(kubectl get pods -n "$NAMESPACE" -l app.kubernetes.io/name=loki -o json 2>"$WORK/err"); then
      fail loki-pods-ready "kubectl get pods: $(tr '\n' ' ' <"$WORK/err")"
    elif [ "$(jq '.items | length' <<<"$json")" = 0 ]; then
      fail loki-pods-ready "no pod labelled app.kubernetes.io/name=loki in $NAMESPACE"
    else
      why=$(pods_summary_not_ready <<<"$json" | paste -sd ';' - | sed 's/;/; /g')
      if [ -n "$why" ]; then fail loki-pods-ready "$why"; else
        pass loki-pods-ready
      fi
    fi
  fi

  # 2. One Running and Ready collector pod on every schedulable (uncordoned) node; taints
  # do not matter, the collector tolerates them all.
  local nodes pods=""
  say "$AGENT-per-node: kubectl get nodes; kubectl get pods -n $NAMESPACE -l app.kubernetes.io/name=$AGENT"
  if ! nodes=$(kubectl get nodes -o json 2>"$WORK/err"); then
    fail "$AGENT-per-node" "kubectl get nodes: $(tr '\n' ' ' <"$WORK/err")"
  elif ! pods=$(kubectl get pods -n "$NAMESPACE" -l app.kubernetes.io/name="$AGENT" -o json 2>"$WORK/err"); then
    fail "$AGENT-per-node" "kubectl get pods: $(tr '\n' ' ' <"$WORK/err")"
    pods=""
  else
    why=$(jq -rn --arg agent "$AGENT_NAME" --argjson nodes "$nodes" --argjson pods "$pods" '
      [$pods.items[] | select(.status.phase == "Running"
          and ([.status.conditions[]? | select(.type == "Ready" and .status == "True")] | length > 0))
        | .spec.nodeName] as $ready
      | [$pods.items[] | .spec.nodeName] as $any
      | [$nodes.items[] | select((.spec.unschedulable // false) | not)
          | .metadata.name as $n
          | ([$ready[] | select(. == $n)] | length) as $c
          | select($c != 1)
          | "\($n)\(if (.spec.taints // []) == [] then "" else " (tainted " + ([.spec.taints[] | "\(.key):\(.effect)"] | join(",")) + ")" end): \(
              if $c > 1 then "\($c) ready \($agent) pods"
              elif ([$any[] | select(. == $n)] | length) > 0 then "\($agent) pod not Running/Ready"
              else "no \($agent) pod" end)"]
      | join("; ")')
    local count
    count=$(jq '[.items[] | select((.spec.unschedulable // false) | not)] | length' <<<"$nodes")
    if [ -n "$why" ]; then fail "$AGENT-per-node" "$why"; else
      pass "$AGENT-per-node"
      say "one ready $AGENT_NAME pod on each of the $count schedulable nodes"
    fi
  fi

  # 3. No error lines in the collector's recent logs (Promtail: level=error; Fluent Bit:
  # [error]).
  say "$AGENT-no-errors: kubectl logs --since=$LOG_SINCE of each $AGENT_NAME pod"
  if [ -z "$pods" ] || [ "$(jq '.items | length' <<<"$pods")" = 0 ]; then
    fail "$AGENT-no-errors" "no $AGENT_NAME pod to read logs from"
  else
    local pod node errs=() n first
    while read -r pod node; do
      if ! kubectl logs -n "$NAMESPACE" "$pod" --all-containers=true --since="$LOG_SINCE" >"$WORK/log" 2>"$WORK/err"; then
        errs+=("$pod ($node): kubectl logs failed: $(tr '\n' ' ' <"$WORK/err")")
        continue
      fi
      n=$(grep -cF -- "$AGENT_ERROR" "$WORK/log" || true)
      if [ "$n" != 0 ]; then
        first=$(grep -m 1 -F -- "$AGENT_ERROR" "$WORK/log" | cut -c 1-200)
        errs+=("$pod ($node): $n $AGENT_ERROR_WHAT lines, first: $first")
      fi
    done < <(jq -r '.items[] | "\(.metadata.name) \(.spec.nodeName // "-")"' <<<"$pods")
    if [ "${#errs[@]}" -gt 0 ]; then
      fail "$AGENT-no-errors" "$(printf '%s; ' "${errs[@]}" | sed 's/; $//')"
    else pass "$AGENT-no-errors"; fi
  fi

  # 4-7. Loki's HTTP API through a port-forward to the query Service (no gateway, so no
  # credentials; the tenant header when tenancy is on).
  local code checks=(loki-ready loki-labels query-kube-system query-machine-logs)
  if [ "$with_loki" = 1 ]; then
    say "loki-ready, loki-labels, query-*: port-forward to service/$svc:3100${TENANT:+, tenant $TENANT}"
    if ! port_forward "$svc" 3100; then
      local c
      for c in "${checks[@]}"; do fail "$c" "kubectl port-forward service/$svc failed: $PF_ERROR"; done
    else
      code=$(loki_get /ready)
      if [ "$code" = 200 ]; then pass loki-ready; else
        fail loki-ready "GET /ready answered $code: $(head -c 200 "$WORK/body" 2>/dev/null | tr '\n' ' ')$(tr '\n' ' ' <"$WORK/curl.err")"
      fi
      code=$(loki_get /loki/api/v1/labels --data-urlencode "since=$QUERY_SINCE")
      if [ "$code" != 200 ]; then
        fail loki-labels "GET /loki/api/v1/labels answered $code: $(head -c 200 "$WORK/body" 2>/dev/null | tr '\n' ' ')$(tr '\n' ' ' <"$WORK/curl.err")"
      else
        local missing
        missing=$(jq -r '(.data // []) as $have | ["namespace", "pod", "container", "job"]
                         | map(select(. as $l | $have | index($l) | not)) | join(", ")' "$WORK/body" 2>/dev/null) ||
          missing="not JSON"
        if [ -z "$missing" ]; then pass loki-labels; else
          fail loki-labels "missing label(s): $missing (have: $(jq -r '(.data // []) | join(", ")' "$WORK/body" 2>/dev/null))"
        fi
      fi
      local check query lines
      for check in query-kube-system query-machine-logs; do
        case "$check" in
          query-kube-system) query='{namespace="kube-system"}' ;;
          query-machine-logs) query='{job="machine-logs"}' ;;
        esac
        code=$(loki_get /loki/api/v1/query_range --data-urlencode "query=$query" \
          --data-urlencode "since=$QUERY_SINCE" --data-urlencode limit=10 --data-urlencode direction=backward)
        if [ "$code" != 200 ]; then
          fail "$check" "query $query answered $code: $(head -c 200 "$WORK/body" 2>/dev/null | tr '\n' ' ')$(tr '\n' ' ' <"$WORK/curl.err")"
          continue
        fi
        lines=$(jq '[.data.result[]?.values[]?] | length' "$WORK/body" 2>/dev/null) || lines=0
        if [ "$lines" -gt 0 ]; then pass "$check"; else
          fail "$check" "no lines for $query in the last $QUERY_SINCE"
        fi
      done
    fi
  fi

  # 8. The Grafana datasource ConfigMap with the sidecar's label (when rendered).
  if [ "$with_datasource" = 1 ]; then
    say "grafana-datasource: kubectl get configmap -n monitoring loki-grafana-datasource"
    if ! json=$(kubectl get configmap -n monitoring loki-grafana-datasource -o json 2>"$WORK/err"); then
      fail grafana-datasource "$(tr '\n' ' ' <"$WORK/err")"
    elif [ "$(jq -r '.metadata.labels.grafana_datasource // ""' <<<"$json")" != 1 ]; then
      fail grafana-datasource "ConfigMap monitoring/loki-grafana-datasource lacks the label grafana_datasource=\"1\" (the Grafana sidecar ignores it)"
    else
      pass grafana-datasource
    fi
  fi

  if [ "$FAILED" = 1 ]; then
    say "verify $env: some checks FAILED"
    return 1
  fi
  say "verify $env: all checks passed"
}

# ---------------------------------------------------------------------------------------

main() {
  local args=() a
  for a in "$@"; do
    case "$a" in
      --dry-run) DRY_RUN=1 ;;
      --delete-data) DELETE_DATA=1 ;;
      -h | --help)
        usage
        exit 0
        ;;
      -*)
        printf 'error: unknown flag %s\n\n' "$a" >&2
        usage >&2
        exit 2
        ;;
      *) args+=("$a") ;;
    esac
  done
  if [ "${#args[@]}" = 0 ]; then
    usage >&2
    exit 2
  fi
  local cmd=${args[0]} env=${args[1]:-}
  if [ "${#args[@]}" -gt 2 ]; then die "too many arguments: ${args[*]}"; fi
  case "$cmd" in
    deploy | verify | diff | uninstall) ;;
    *)
      printf 'error: unknown command %s\n\n' "$cmd" >&2
      usage >&2
      exit 2
      ;;
  esac
  check_env "$env"
  if [ "$DELETE_DATA" = 1 ] && [ "$cmd" != uninstall ]; then die "--delete-data is only for uninstall"; fi
  local t
  for t in make kubectl jq curl; do
    command -v "$t" >/dev/null || die "$t is not on PATH"
  done
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/deploy-loki.XXXXXX")
  if [ "$DRY_RUN" = 1 ]; then
    say "dry run: kubectl commands are printed, not run; the files they name are kept in $WORK"
  fi
  case "$cmd" in
    deploy) cmd_deploy "$env" ;;
    verify) verify_checks "$env" ;;
    diff) cmd_diff "$env" ;;
    uninstall) cmd_uninstall "$env" ;;
  esac
}

main "$@"
