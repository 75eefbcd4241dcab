#!/usr/bin/env bash
# Builds the function's container image without a Docker daemon, as an OCI image layout:
#
#   tools/build-image.sh [LAYOUT_DIR]        (default target/image/oci; `make image` runs this)
#
# The tag is the crate version (IMAGE_TAG overrides it).
#
# - static release binaries for x86_64 and aarch64 (musl, linked by rust-lld: .cargo/config.toml);
# - per architecture one layer holding only /loki-stack-fn and a three-line /etc/passwd and
#   /etc/group (root, nobody, nonroot), because kpt and kustomize run container functions with
#   `docker run --user nobody`, which fails on an image without a passwd entry for nobody;
#   no shell, no CA certificates, no other file;
# - config: ENTRYPOINT ["/loki-stack-fn"] (KRM mode: ResourceList on stdin), USER 65532:65532,
#   the org.opencontainers.image.* labels and kpt's dev.kpt.fn.meta.* function metadata (read by
#   kpt's Porch from the manifest annotations, kptdev/kpt porch/pkg/oci), as labels and as
#   manifest annotations;
# - umoci builds the two images (tags VERSION-amd64, VERSION-arm64); the multi-arch image index
#   listing both with their platform is written here (umoci writes no nested index) and tagged
#   VERSION, so `skopeo copy --all oci:LAYOUT:VERSION docker://...` pushes both architectures.
#
# Reproducible: the same commit gives byte-identical blobs and digests. Every timestamp is
# SOURCE_DATE_EPOCH (default: the last commit's time), tar entries are sorted with fixed
# owners, modes and mtimes, umoci's gzip is deterministic, and the binaries carry no
# machine-specific path (the cargo home is remapped).
set -euo pipefail
cd "$(dirname "$0")/.."

layout=${1:-target/image/oci}
for tool in cargo git jq tar sha256sum umoci skopeo; do
  command -v "$tool" >/dev/null || { echo "build-image: $tool is missing: run make tools" >&2; exit 2; }
done

epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
revision=$(git rev-parse HEAD)
package=$(cargo metadata --no-deps --format-version 1 --locked |
  jq -c '.packages[] | select(.name == "loki-stack-fn") | {version, description, license, repository}')
field() { jq -r --arg f "$1" '.[$f] // error("Cargo.toml has no \($f) for loki-stack-fn")' <<<"$package"; }
version=$(field version)
description=$(field description)
license=$(field license)
source_url=$(field repository)
tag=${IMAGE_TAG:-$version}
if [ -n "$(git status --porcelain -- fn Cargo.toml Cargo.lock .cargo rust-toolchain.toml)" ]; then
  echo "build-image: warning: uncommitted changes to the function's sources; the image's revision label says ${revision:0:12}" >&2
fi

# arch (OCI name) -> Rust target
declare -A triples=([amd64]=x86_64-unknown-linux-musl [arm64]=aarch64-unknown-linux-musl)
arches=(amd64 arm64)

# 1. The static binaries, built in one cargo call (both targets share the host build).
# With --target, these flags reach only the target's crates (not build scripts or macros).
unset RUSTFLAGS
cargo_home=$(cd "${CARGO_HOME:-$HOME/.cargo}" && pwd -P)
CARGO_ENCODED_RUSTFLAGS=$(printf '%s\x1f%s' "--remap-path-prefix=$cargo_home=/cargo" "--remap-path-prefix=$(pwd -P)=/src")
export CARGO_ENCODED_RUSTFLAGS
cargo_targets=()
for arch in "${arches[@]}"; do cargo_targets+=(--target "${triples[$arch]}"); done
cargo build --release --locked --quiet -p loki-stack-fn --bin loki-stack-fn "${cargo_targets[@]}"

# 2. One layer archive per architecture, from a staged root filesystem.
work=$(mktemp -d "${TMPDIR:-/tmp}/loki-stack-fn-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
umask 022
for arch in "${arches[@]}"; do
  root=$work/$arch/rootfs
  mkdir -p "$root/etc"
  install -m 0755 "target/${triples[$arch]}/release/loki-stack-fn" "$root/loki-stack-fn"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
    'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > "$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'nonroot:x:65532:' > "$root/etc/group"
  chmod 0644 "$root/etc/passwd" "$root/etc/group"
  chmod 0755 "$root/etc"
  find "$root" -exec touch -h -d "@$epoch" {} +
  tar --create --file "$work/$arch.tar" --format=ustar --sort=name \
    --numeric-owner --owner=0 --group=0 --mtime="@$epoch" -C "$root" etc loki-stack-fn
done

# 3. The images, with umoci, in a fresh layout (replaced whole at the end).
new=$work/oci
labels=(
  "org.opencontainers.image.title=loki-stack-fn"
  "org.opencontainers.image.description=$description"
  "org.opencontainers.image.version=$version"
  "org.opencontainers.image.revision=$revision"
  "org.opencontainers.image.created=$created"
  "org.opencontainers.image.source=$source_url"
  "org.opencontainers.image.url=$source_url"
  "org.opencontainers.image.documentation=$source_url#readme"
  "org.opencontainers.image.licenses=$license"
  "dev.kpt.fn.meta.types=mutator"
  "dev.kpt.fn.meta.description=$description"
  "dev.kpt.fn.meta.documentationurl=$source_url#readme"
  "dev.kpt.fn.meta.keywords=loki,promtail,logging,observability,generator"
)
config_args=()
for l in "${labels[@]}"; do config_args+=(--config.label "$l" --manifest.annotation "$l"); done
umoci init --layout "$new"
for arch in "${arches[@]}"; do
  ref="$new:$tag-$arch"
  umoci new --image "$ref"
  umoci raw add-layer --image "$ref" --history.created "$created" \
    --history.created_by "loki-stack-fn $version (${triples[$arch]}, static) with /etc/passwd and /etc/group" \
    "$work/$arch.tar"
  umoci config --image "$ref" --no-history --created "$created" --os linux --architecture "$arch" \
    --config.user 65532:65532 --config.entrypoint /loki-stack-fn "${config_args[@]}"
done

# 4. The multi-arch image index: one small JSON blob, tagged $tag.
descriptor() { # the manifest descriptor tagged $1, with the platform of $2
  jq -c --arg ref "$1" --arg arch "$2" '.manifests[]
    | select(.annotations["org.opencontainers.image.ref.name"] == $ref)
    | {mediaType, digest, size, platform: {architecture: $arch, os: "linux"}}' "$new/index.json"
}
manifests=$(for arch in "${arches[@]}"; do descriptor "$tag-$arch" "$arch"; done | jq -cs .)
annotations=$(printf '%s\n' "${labels[@]}" | jq -Rcn '[inputs | capture("^(?<key>[^=]+)=(?<value>.*)$")] | from_entries')
jq -cjn --argjson m "$manifests" --argjson a "$annotations" \
  '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: $m, annotations: $a}' \
  > "$work/index-blob.json"
index_hex=$(sha256sum "$work/index-blob.json" | cut -d' ' -f1)
index_size=$(stat -c %s "$work/index-blob.json")
mv "$work/index-blob.json" "$new/blobs/sha256/$index_hex"
jq -c --arg d "sha256:$index_hex" --argjson s "$index_size" --arg t "$tag" \
  '.manifests += [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
     annotations: {"org.opencontainers.image.ref.name": $t}}]' "$new/index.json" > "$work/index.json"
mv "$work/index.json" "$new/index.json"
umoci gc --layout "$new"
chmod -R u=rwX,go=rX "$new"

# 5. skopeo must read it as an index of both architectures (what a push reads).
[ "$(skopeo inspect --raw "oci:$new:$tag" | sha256sum | cut -d' ' -f1)" = "$index_hex" ] ||
  { echo "build-image: skopeo does not see the index under tag $tag" >&2; exit 1; }
rm -rf "$layout"
mkdir -p "$(dirname "$layout")"
mv "$new" "$layout"

blob_size() { stat -c %s "$layout/blobs/sha256/${1#sha256:}"; }
echo "loki-stack-fn $version image: OCI layout $layout, revision ${revision:0:12}, created $created"
for arch in "${arches[@]}"; do
  read -r digest size < <(jq -r --arg a "$arch" '.manifests[] | select(.platform.architecture == $a) | "\(.digest) \(.size)"' \
    "$layout/blobs/sha256/$index_hex")
  manifest=$layout/blobs/sha256/${digest#sha256:}
  compressed=$((size + $(blob_size "$(jq -r .config.digest "$manifest")")))
  for layer in $(jq -r '.layers[].digest' "$manifest"); do compressed=$((compressed + $(blob_size "$layer"))); done
  uncompressed=$(stat -c %s "$work/$arch.tar")
  awk -v a="$arch" -v d="$digest" -v c="$compressed" -v u="$uncompressed" 'BEGIN {
    printf "  linux/%-6s %s  compressed %d bytes (%.2f MiB), uncompressed %d bytes (%.2f MiB)\n", a, d, c, c / 1048576, u, u / 1048576 }'
done
echo "  index        sha256:$index_hex  (tag $tag: linux/amd64, linux/arm64)"
echo "push it (both architectures, same digests):"
echo "  skopeo copy --all --preserve-digests oci:$layout:$tag docker://REGISTRY/loki-stack-fn:$tag"
