#!/usr/bin/env bash
# Mermaid (the JavaScript that draws `loki-stack-fn graph`'s flowcharts) for the book and the
# playground: the npm package at a pinned version, checked against its pinned sha512, unpacked
# once into .cache/mermaid-<version>/. Prints the path of mermaid.min.js (a self-contained bundle).
set -euo pipefail
VERSION=12.4.0
INTEGRITY=sha512-j2gvsGUFeS/53WdYLl9H5G2YtMZX9G/PlCvV3E5Pf4j5XSnK19DwazU6wki7OTcKeYKed7+qujRDLhy8NV2zBg==
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.cache/mermaid-$VERSION"
if [[ ! -s "$dir/mermaid.min.js" ]]; then
  command -v npm >/dev/null || { echo "fetch-mermaid: npm is needed (Node 20)" >&2; exit 2; }
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "mermaid@$VERSION" >/dev/null)
  tgz="$tmp/mermaid-$VERSION.tgz"
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [[ "$got" == "$INTEGRITY" ]] || { echo "fetch-mermaid: mermaid-$VERSION.tgz is $got, expected $INTEGRITY" >&2; exit 1; }
  tar -xzf "$tgz" -C "$tmp" package/dist/mermaid.min.js package/LICENSE
  mkdir -p "$dir"
  mv "$tmp/package/LICENSE" "$dir/LICENSE"
  mv "$tmp/package/dist/mermaid.min.js" "$dir/mermaid.min.js.part"
  mv "$dir/mermaid.min.js.part" "$dir/mermaid.min.js"
fi
echo "$dir/mermaid.min.js"
