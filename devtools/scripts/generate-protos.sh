#!/usr/bin/env bash
# The event classes (payment_saga/events/proto/ and the consumer kit's
# sdk/python/eventkit/proto/) from docs/events/*.proto, with protoc from grpcio-tools and
# mypy-protobuf's stubs, both in .tools/protoc (make tools). tests/unit/test_event_encoding.py
# checks the committed files are what this makes.
set -euo pipefail
cd "$(dirname "$0")/../.."
tools=.tools/protoc
includes=$("$tools/bin/python" -c "import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), '_proto'))")
# The producer's copy, and the consumer kit's (it stands on the published files alone); an
# argument: one copy there, for the test that compares.
for out in ${1:-payment_saga/events/proto sdk/python/eventkit/proto}; do
  PATH="$PWD/$tools/bin:$PATH" "$tools/bin/python" -m grpc_tools.protoc \
    -I docs/events -I "$includes" --python_out="$out" --mypy_out="$out" \
    docs/events/cloudevents.proto docs/events/payment_events.proto
done
