#!/usr/bin/env bash
# Installs what `make image` and the image tests use, all from Debian and rustup:
#   umoci, skopeo      build, inspect and copy the OCI image (no Docker daemon needed)
#   jq                 the multi-arch image index (umoci writes no nested index itself)
#   bubblewrap         runs the image's entrypoint from its unpacked root filesystem
#   qemu-user-static   runs the arm64 binary on an amd64 machine (and the other way round)
#   docker-registry    a throwaway registry on 127.0.0.1 that the push test copies into
# and the two musl standard libraries the static binaries are built with.
set -euo pipefail
# (The registry package would start its service on port 5000: apt-install.sh keeps
# services from starting; the tests start their own.)
"$(dirname "$0")/apt-install.sh" umoci:umoci skopeo:skopeo jq:jq bwrap:bubblewrap \
  docker-registry:docker-registry qemu-aarch64-static:qemu-user-static \
  qemu-x86_64-static:qemu-user-static
installed=$(rustup target list --installed)
for target in x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
  grep -qx "$target" <<<"$installed" || rustup target add "$target"
done
