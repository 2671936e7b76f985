#!/usr/bin/env bash
# tests/readme/run.sh BUILD_DIR - the README's command blocks against a fresh service
# (tests/readme/readme.mjs says how blocks are chosen and answers compared). Needs the
# private PostgreSQL of scripts/dev (LIQ_DATABASE_URL), node, curl and the built binaries.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:-$ROOT/build}
exec node "$ROOT/tests/readme/readme.mjs" "$ROOT/README.md" "$BUILD"
