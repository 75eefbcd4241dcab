#!/usr/bin/env bash
# Builds an mdBook book with the pinned mdBook (tools/install-mdbook.sh) and fails on any
# warning or error mdBook logs: mdBook exits 0 after, for example, an {{#include}} of a
# missing file, so its log is read.
#   tools/build-book.sh [BOOK_DIR [DEST_DIR]]   (default: docs target/book)
# The book's additional-js vendor/mermaid.min.js is copied into BOOK_DIR/vendor/ (not
# committed) from tools/fetch-mermaid.sh first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
book="$(realpath -m "${1:-$root/docs}")"
dest="$(realpath -m "${2:-$root/target/book}")"
mdbook="$root/.cache/tools/bin/mdbook"
version=0.5.4
if ! [ -x "$mdbook" ] || [ "$("$mdbook" --version)" != "mdbook v$version" ]; then
  echo "build-book: mdbook $version is not in .cache/tools/bin: run make docs-tools (or make tools)" >&2
  exit 2
fi
mermaid="$("$root/tools/fetch-mermaid.sh")"
mkdir -p "$book/vendor"
if ! cmp -s "$mermaid" "$book/vendor/mermaid.min.js"; then
  # Through a rename: a build running beside this one never reads half a file.
  cp "$mermaid" "$book/vendor/mermaid.min.js.$$"
  mv "$book/vendor/mermaid.min.js.$$" "$book/vendor/mermaid.min.js"
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
NO_COLOR=1 "$mdbook" build "$book" --dest-dir "$dest" 2>"$log" || status=$?
# Without colours, but strip any escape sequence anyway before looking for the level.
if [ "$status" != 0 ] || sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -qE '^ *(WARN|ERROR)\b'; then
  cat "$log" >&2
  echo "build-book: mdBook failed or warned (above) building $book" >&2
  exit 1
fi
echo "build-book: $book -> $dest" >&2
