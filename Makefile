# Two commands on a fresh machine: `make run` (the whole stack) and `make test` (everything).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Code generators live in virtual environments of their own (their pins would clash with ours).
OPENAPI_CLIENT := .tools/openapi/bin/openapi-python-client
TS_CLIENT := sdk/typescript/node_modules/.package-lock.json
# Stripe's protocol server, built into the checkout (its module cache too, writable so that
# `make clean` can remove it); GATEWAY_KIND=stripe and its tests run it.
STRIPE_MOCK := .tools/go/bin/stripe-mock
STRIPE_MOCK_VERSION := v0.203.0
# protoc (grpcio-tools) and mypy-protobuf, for the event classes (make protos).
PROTOC := .tools/protoc/bin/protoc-gen-mypy
# `buf breaking`: a change to the events' .proto files that would break consumers fails CI.
BUF := .tools/go/bin/buf
BUF_VERSION := v1.75.0
# Renders deploy/kubernetes for the manifest checks (tests/unit/test_kubernetes.py).
KUSTOMIZE := .tools/go/bin/kustomize
KUSTOMIZE_VERSION := v5.7.1

.PHONY: install tools run test lint unit bench bench-memory openapi client protos events-snapshot workflow-fingerprint clean

$(INSTALLED): pyproject.toml devtools/scripts/install-system-deps.sh
	bash devtools/scripts/install-system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(INSTALLED)

$(STRIPE_MOCK): $(INSTALLED)
	GOPATH=$(CURDIR)/.tools/go GOFLAGS=-modcacherw GOTOOLCHAIN=local \
		go install github.com/stripe/stripe-mock@$(STRIPE_MOCK_VERSION)

$(PROTOC):
	$(PYTHON) -m venv .tools/protoc
	.tools/protoc/bin/python -m pip install -q grpcio-tools==1.85.1 mypy-protobuf==5.1.0

$(BUF): $(INSTALLED)
	GOPATH=$(CURDIR)/.tools/go GOFLAGS=-modcacherw GOTOOLCHAIN=local \
		go install github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION)

$(KUSTOMIZE): $(INSTALLED)
	GOPATH=$(CURDIR)/.tools/go GOFLAGS=-modcacherw GOTOOLCHAIN=local \
		go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

install: $(INSTALLED) $(STRIPE_MOCK)

$(OPENAPI_CLIENT):
	$(PYTHON) -m venv .tools/openapi
	.tools/openapi/bin/python -m pip install -q openapi-python-client==0.29.1

$(TS_CLIENT): sdk/typescript/package-lock.json
	cd sdk/typescript && npm ci --no-audit --no-fund --loglevel=error

tools: $(OPENAPI_CLIENT) $(TS_CLIENT) $(KUSTOMIZE) $(PROTOC) $(BUF)

run: install
	$(BIN)/payment-saga-stack up

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

unit: install
	$(BIN)/pytest tests/unit

test: lint tools
	$(BIN)/pytest

bench: install
	$(BIN)/payment-saga-bench --count 300 --concurrency 30 --scale 5,10,40

# The same, then 10,000 more payments with the API's and worker's memory sampled along them.
bench-memory: install
	$(BIN)/payment-saga-bench --count 300 --concurrency 30 --memory-run 10000

# The committed API contract (docs/openapi.json), regenerated from the code.
openapi: install
	$(BIN)/python -m api.openapi

# The event classes, generated from docs/events/*.proto.
protos: $(PROTOC)
	bash devtools/scripts/generate-protos.sh

# Publish the events' schemas as they are now: the compatibility gate compares later changes
# with this copy (docs/events.md, "Evolving the events"). Only on purpose, in its own commit.
events-snapshot:
	cp docs/events/*.proto docs/events/*.schema.json docs/events-published/

# The typed Python client, generated from the committed contract.
client: openapi tools
	bash devtools/scripts/generate-client.sh
	cd sdk/typescript && npm run -s generate

# The workflow code the recorded histories stand for (tests/unit/test_workflow_lint.py): renew it
# with new recorded histories, or on purpose when a change to workflows/ issues the same commands.
workflow-fingerprint: install
	$(BIN)/python -m devtools.workflow_fingerprint

clean:
	rm -rf $(VENV) .tools .data build *.egg-info
