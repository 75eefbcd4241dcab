# loki-stack-fn. The commands that matter:
#   make render [ENV=local]   build, then print the rendered stack of an overlay
#   make graph [ENV=local]    build, then print the overlay's topology as a Mermaid flowchart
#   make test                 everything CI runs (installs its own tools first)
#   make docs                 the book (docs/, mdBook) in target/book/
# For GitOps (Flux): make rendered writes every overlay's stack to STACK/rendered/,
# make check-rendered fails when the committed copy is stale (make ... STACK=DIR: another copy).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := render

ENV ?= local
STACK := kubernetes/observability/loki-stack
OVERLAY := $(STACK)/overlays/$(ENV)
BIN := target/release/loki-stack-fn
CACHE := $(CURDIR)/.cache
VENV := $(CURDIR)/.venv
PLUGIN_HOME := $(CACHE)/kustomize-plugins
PLUGIN := $(PLUGIN_HOME)/lokistack.krm.dev/v1alpha1/lokistack/LokiStack
export PATH := $(CURDIR)/target/release:$(CACHE)/tools/bin:$(VENV)/bin:$(PATH)
export LOKI_STACK_FN := $(CURDIR)/$(BIN)
export LOKI_STACK_SHARED := $(abspath $(CURDIR)/../shared)

.PHONY: render rendered check-rendered flux-artifact plan graph build install test lint tools deploy-tools lua python-tools kustomize wasm-target wasm-tools nginx prometheus-tools golden bench clean lock-python-tools wasm wasm-test

## render: build, then print the rendered stack of overlay $(ENV) (kubectl + legacy plugin form)
render: build $(PLUGIN)
	@test -d "$(OVERLAY)/kubectl" || { echo "no overlay $(ENV): try one of: $$(ls $(STACK)/overlays)" >&2; exit 2; }
	@command -v kubectl >/dev/null || { echo "make render needs kubectl on PATH" >&2; exit 2; }
	@KUSTOMIZE_PLUGIN_HOME=$(PLUGIN_HOME) kubectl kustomize --enable-alpha-plugins $(OVERLAY)/kubectl

## rendered: every overlay's stack as plain files for Flux and kubectl apply -k, one per
## object, in $(STACK)/rendered/<overlay>/ (commit them: Flux runs no KRM functions)
rendered: build
	@tools/rendered.sh write $(STACK)

## check-rendered: fails with the diff if $(STACK)/rendered differs from what make rendered writes
check-rendered: build
	@tools/rendered.sh check $(STACK)

## flux-artifact: what CI pushes with flux push artifact: the checked rendered tree at its
## repository path under target/flux-artifact (so Flux paths are the same with a
## GitRepository source)
flux-artifact: check-rendered
	@rm -rf target/flux-artifact && mkdir -p target/flux-artifact/$(STACK)
	@cp -R $(STACK)/rendered target/flux-artifact/$(STACK)/
	@echo "target/flux-artifact: $(STACK)/rendered ($$(cd $(STACK)/rendered && echo *))"

## plan: build, then print the plan of overlay $(ENV): what it deploys; FROM=FILE (an earlier
## render or `kubectl get -o yaml` of the live objects) adds what changes; OUTPUT=json, TODAY=YYYY-MM-DD
plan: build
	@test -d "$(OVERLAY)/config" || { echo "no overlay $(ENV): try one of: $$(ls $(STACK)/overlays)" >&2; exit 2; }
	@command -v kubectl >/dev/null || { echo "make plan needs kubectl on PATH" >&2; exit 2; }
	@kubectl kustomize $(OVERLAY)/config | $(BIN) plan -f - $(if $(FROM),--from $(FROM)) $(if $(OUTPUT),--output $(OUTPUT)) $(if $(TODAY),--today $(TODAY))

## graph: build, then print the topology of overlay $(ENV) as a Mermaid flowchart (workloads,
## Services, the flows its network policies allow, object store, external Secrets)
graph: build
	@test -d "$(OVERLAY)/config" || { echo "no overlay $(ENV): try one of: $$(ls $(STACK)/overlays)" >&2; exit 2; }
	@command -v kubectl >/dev/null || { echo "make graph needs kubectl on PATH" >&2; exit 2; }
	@kubectl kustomize $(OVERLAY)/config | $(BIN) graph -f -

build:
	@cargo build --release --locked --quiet --bin loki-stack-fn

## install: put loki-stack-fn on PATH (PREFIX=~/.local by default) for kustomize and kpt
PREFIX ?= $(HOME)/.local
install: build
	install -D -m 0755 $(BIN) $(PREFIX)/bin/loki-stack-fn
	install -d $(PREFIX)/share/kustomize/plugin/lokistack.krm.dev/v1alpha1/lokistack
	ln -sfn $(PREFIX)/bin/loki-stack-fn $(PREFIX)/share/kustomize/plugin/lokistack.krm.dev/v1alpha1/lokistack/LokiStack
	@echo "installed $(PREFIX)/bin/loki-stack-fn; for kubectl: export KUSTOMIZE_PLUGIN_HOME=$(PREFIX)/share/kustomize/plugin"

$(PLUGIN): | build
	@mkdir -p $(dir $@) && ln -sfn $(CURDIR)/$(BIN) $@

## image: the function's container image (linux/amd64 + linux/arm64: the static binary on an
## empty base) as an OCI layout in target/image/oci, built by umoci without a Docker daemon;
## prints the index digest and the skopeo command that pushes both architectures
.PHONY: image image-tools
image: image-tools
	@tools/build-image.sh target/image/oci

## test: formatting, lints, unit tests and every end-to-end test against the real tools
test: tools lint build $(PLUGIN) image wasm check-schema docs
	$(MAKE) --no-print-directory check-rendered
	cargo nextest run --workspace --locked --no-fail-fast
	$(MAKE) --no-print-directory wasm-test

## wasm: the WebAssembly build (wasm-bindgen for Node and the web, wasm-opt) as an npm
## package in wasm/pkg, the WASI module in target/wasi, the playground site in target/playground
wasm: wasm-target wasm-tools
	@tools/build-wasm.sh

## wasm-test: the wasm build against the native binary (node's test runner), and the
## playground in headless Chromium (screenshots in target/playground-test)
wasm-test: build
	node --test wasm/test/
	$(VENV)/bin/python wasm/test/wasi_test.py target/wasi/loki-stack-fn.wasm $(BIN)
	$(VENV)/bin/python wasm/test/playground_test.py target/playground

## docs: the book (docs/src, mdBook) in target/book/ (open target/book/index.html), its
## diagrams drawn by Mermaid; fails on any mdBook warning. tests/tests/book.rs checks its
## links and anchors and its diagrams in Chromium (make test runs both)
.PHONY: docs docs-tools
docs: docs-tools
	@tools/build-book.sh docs target/book

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	@# The core stays pure (no I/O): it must build for WebAssembly.
	cargo check --locked --quiet --target wasm32-unknown-unknown -p loki-stack-fn --lib

## tools: the test suite's own tools, pinned: Python validators in .venv, kustomize in .cache,
## the wasm32 standard library (the core must build for WebAssembly), Debian's nginx (gateway tests)
## Debian's umoci, skopeo, bubblewrap and qemu-user-static and the musl targets (the image and its tests),
## Debian's binaryen and chromium (the wasm build and the playground test),
## Debian's shellcheck, jq and curl (scripts/deploy-loki.sh and its tests),
## Debian's luajit and ruby (Fluent Bit's Lua and Onigmo, for the Fluent Bit config tests),
## Debian's prometheus for promtool (the rendered alert rules and their scenarios; the server is not started),
## mdBook from crates.io (cargo install, in .cache) and Mermaid from npm (the book)
tools: python-tools kustomize wasm-target wasm-tools nginx image-tools deploy-tools lua prometheus-tools docs-tools

deploy-tools:
	@tools/install-deploy-tools.sh

docs-tools:
	@tools/install-mdbook.sh $(CACHE)/tools
	@tools/fetch-mermaid.sh >/dev/null

lua:
	@tools/install-lua.sh

prometheus-tools:
	@tools/install-prometheus-tools.sh

nginx:
	@tools/install-nginx.sh

image-tools:
	@tools/install-image-tools.sh

wasm-tools:
	@tools/install-wasm-tools.sh

wasm-target:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup target list --installed | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1

python-tools: $(VENV)/.installed
$(VENV)/.installed: tools/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-virtualenv -r tools/requirements.txt
	touch $@

kustomize: $(CACHE)/tools/bin/kustomize
$(CACHE)/tools/bin/kustomize: tools/install-kustomize.sh
	tools/install-kustomize.sh $(CACHE)/tools

## schema: regenerate the committed JSON Schema of the LokiStack config from the types
.PHONY: schema check-schema
SCHEMA := schema/lokistack.schema.json
schema: build
	$(BIN) schema > $(SCHEMA)

## check-schema: the committed schema is what the code generates (make test runs it)
check-schema: build
	@$(BIN) schema | diff -u $(SCHEMA) - || { echo "$(SCHEMA) is stale: run make schema and commit it" >&2; exit 1; }

## fuzz: run a fuzz target (FUZZ_TARGET=structured|config|resource_list) for FUZZ_TIME
## seconds (cargo-fuzz, nightly Rust), then merge the inputs that reach new code into
## fuzz/corpus/ (make test replays it, and fuzz/regressions/, on stable)
.PHONY: fuzz
FUZZ_TARGET ?= structured
FUZZ_TIME ?= 600
FUZZ_RUN = cargo +nightly fuzz run --sanitizer none $(FUZZ_TARGET)
fuzz:
	@command -v cargo-fuzz >/dev/null || { echo "make fuzz needs cargo-fuzz (cargo install cargo-fuzz) and nightly Rust (rustup toolchain install nightly)" >&2; exit 2; }
	mkdir -p fuzz/work/$(FUZZ_TARGET) fuzz/corpus/$(FUZZ_TARGET)
	$(FUZZ_RUN) fuzz/work/$(FUZZ_TARGET) fuzz/corpus/$(FUZZ_TARGET) -- -dict=fuzz/lokistack.dict \
		-max_len=16384 -timeout=10 -max_total_time=$(FUZZ_TIME)
	$(FUZZ_RUN) fuzz/corpus/$(FUZZ_TARGET) fuzz/work/$(FUZZ_TARGET) -- -merge=1 -max_len=16384

## fuzz-cmin: shrink fuzz/corpus/$(FUZZ_TARGET) to the FUZZ_KEEP inputs that reached the
## most code (what is committed: small enough for make test to replay)
.PHONY: fuzz-cmin
FUZZ_KEEP ?= 150
fuzz-cmin:
	rm -rf fuzz/work/cmin fuzz/work/keep fuzz/work/control.txt && mkdir -p fuzz/work/cmin
	$(FUZZ_RUN) fuzz/work/cmin fuzz/corpus/$(FUZZ_TARGET) -- -merge=1 -use_counters=0 \
		-max_len=16384 -merge_control_file=$(CURDIR)/fuzz/work/control.txt
	python3 fuzz/select.py fuzz/work/control.txt fuzz/work/keep $(FUZZ_KEEP)
	rm -rf fuzz/corpus/$(FUZZ_TARGET) && mv fuzz/work/keep fuzz/corpus/$(FUZZ_TARGET)


## golden: regenerate tests/golden/, the rendered/ directories and the book's refusal catalog
## (docs/src/reference/refusal-catalog.md) from the current code
## (review the diff before committing)
golden: build rendered
	UPDATE_GOLDEN=1 cargo nextest run --workspace --locked -E 'test(golden)'

## bench: whole-process render time and peak RSS of the local stack (hyperfine, GNU time)
bench: build
	tools/bench.sh

lock-python-tools:
	rm -rf $(CACHE)/lock-venv && python3 -m venv $(CACHE)/lock-venv
	$(CACHE)/lock-venv/bin/pip install --quiet checkov check-jsonschema kubernetes-validate jsonschema PyYAML websocket-client wasmtime
	{ head -2 tools/requirements.txt; $(CACHE)/lock-venv/bin/pip freeze; } > tools/requirements.txt.new
	mv tools/requirements.txt.new tools/requirements.txt

clean:
	cargo clean
	rm -rf $(CACHE) $(VENV)
