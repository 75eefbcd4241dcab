#!/usr/bin/env bash
# mdBook (the book in docs/, `make docs`) from crates.io at a pinned version, built by
# `cargo install --locked` with only the search feature (no `serve`/`watch`: fewer crates
# to compile) into $1/mdbook-<version>/, and linked as $1/bin/mdbook. Nothing is done when
# $1/bin/mdbook already is that version.
set -euo pipefail
dest=${1:?usage: install-mdbook.sh DEST_DIR}
version=0.5.4
link="$dest/bin/mdbook"
if [ -x "$link" ] && [ "$("$link" --version 2>/dev/null)" = "mdbook v$version" ]; then exit 0; fi
root="$dest/mdbook-$version"
if ! [ -x "$root/bin/mdbook" ] || [ "$("$root/bin/mdbook" --version 2>/dev/null)" != "mdbook v$version" ]; then
  echo "building mdbook $version from crates.io (cargo install, a few minutes)" >&2
  # From the repository root: the toolchain of its rust-toolchain.toml builds it too.
  (cd "$(dirname "$0")/.." && cargo install --quiet --locked --no-default-features \
    --features search --version "$version" --root "$root" mdbook)
fi
mkdir -p "$dest/bin"
ln -sfn "$root/bin/mdbook" "$link"
"$link" --version >/dev/null
echo "installed $("$link" --version) in $root" >&2
