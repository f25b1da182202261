#!/usr/bin/env bash
# The event classes (payment_saga/events/proto/) from docs/events/*.proto, with protoc from grpcio-tools and
# mypy-protobuf's stubs, both in .tools/protoc (make tools). tests/unit/test_event_encoding.py
# checks the committed files are what this makes.
set -euo pipefail
cd "$(dirname "$0")/../.."
tools=.tools/protoc
out=${1:-payment_saga/events/proto}
includes=$("$tools/bin/python" -c "import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), '_proto'))")
PATH="$PWD/$tools/bin:$PATH" "$tools/bin/python" -m grpc_tools.protoc \
  -I docs/events -I "$includes" --python_out="$out" --mypy_out="$out" \
  docs/events/cloudevents.proto docs/events/payment_events.proto
