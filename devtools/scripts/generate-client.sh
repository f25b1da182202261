#!/usr/bin/env bash
# Generate the typed Python client from docs/openapi.json into OUT (default sdk/python).
# The generator runs from its own virtual environment (.tools/openapi, `make tools`), with its
# own ruff for the formatting it applies, so the output depends only on pinned versions.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-sdk/python}"
TOOL=.tools/openapi/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PATH="$PWD/$TOOL:$PATH" "$TOOL/openapi-python-client" generate \
  --path docs/openapi.json --meta none --overwrite \
  --config sdk/python/openapi-python-client.yaml --output-path "$work/payment_saga_client" \
  >/dev/null
rm -rf "$OUT/payment_saga_client"
mkdir -p "$OUT"
cp -r "$work/payment_saga_client" "$OUT/payment_saga_client"
find "$OUT/payment_saga_client" \( -name __pycache__ -o -name .ruff_cache \) -prune -exec rm -rf {} +
