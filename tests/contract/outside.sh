#!/usr/bin/env bash
# tests/contract/outside.sh BUILD/liquidityd - the service seen from outside (issue 13):
# Dredd on openapi.yaml and a schema-driven fuzzer (3,000 requests) against the live service
# on a fresh database `liq_outside` of the test server (tests/contract/outside.mjs).
# Bounded: 300 s (about 25 s on the shared 2-core VM).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
printf '\033[1m==> %s\033[0m\n' "outside: Dredd + schema fuzzer against the live service" >&2
psql "$LIQ_DATABASE_URL" -qc "DROP DATABASE IF EXISTS liq_outside WITH (FORCE)" \
    -c "CREATE DATABASE liq_outside" >/dev/null
LIQ_DATABASE_URL=${LIQ_DATABASE_URL/@\/postgres\?/@/liq_outside?} \
    timeout 300 node "$ROOT/tests/contract/outside.mjs" "$1"
