#!/usr/bin/env bash
# tests/docker/check.sh - what tests/docker/run.sh cannot show of docker-compose.yml. The real
# run builds the image and runs the shipped compose file through a Docker engine, but with
# tests/docker/compose.test.yml on top, which replaces the parts that need a registry or a
# bridge network: the db image (a local PostgreSQL 15 instead of postgres:15), the published
# port and the service's LIQ_DATABASE_URL / LIQ_PORT. This checks those shipped values:
#
#   1. db is postgres:15; its POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB are the user,
#      password and database of liquidityd's LIQ_DATABASE_URL, whose host is the db service.
#   2. The published port maps to the LIQ_PORT the service listens on.
#   3. The shipped environment (${VAR:-default} expanded as compose does, from an empty outer
#      environment) passes liquidityd --check-config and the effective settings are its values.
#
#   tests/docker/check.sh BUILD/liquidityd
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${1:?usage: tests/docker/check.sh BUILD/liquidityd}
COMPOSE=$ROOT/docker-compose.yml
FAILS=0

ok() { printf '  ok    %s\n' "$*"; }
bad() { printf '  FAIL  %s\n' "$*" >&2; FAILS=$((FAILS + 1)); }
check() { # description command...
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

# The compose file as JSON, through the pinned yaml package of tools/, with ${VAR:-default}
# expanded as compose does from an empty outer environment.
compose_json=$(node --input-type=module -e "
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire('$ROOT/tools/package.json');
const YAML = require('yaml');
const expand = (v) => typeof v === 'string'
  ? v.replace(/\\$\{([A-Z_]+)(:-([^}]*))?\}/g, (m, n, d, def) => def ?? '')
  : Array.isArray(v) ? v.map(expand)
  : v && typeof v === 'object'
  ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expand(x)]))
  : v;
process.stdout.write(JSON.stringify(expand(YAML.parse(readFileSync('$COMPOSE', 'utf8')))));
") || { bad "docker-compose.yml is not valid YAML"; compose_json='{}'; }
jq_() { node -e "const c = JSON.parse(process.argv[1]); const v = ($1); \
    process.stdout.write(typeof v === 'string' ? v : JSON.stringify(v ?? null))" "$compose_json"; }

# --- 1. the database the shipped file points at -------------------------------------------------
check "db is postgres:15" test "$(jq_ 'c.services.db.image')" = postgres:15
db_env=$(jq_ 'c.services.db.environment')
url=$(jq_ 'c.services.liquidityd.environment.LIQ_DATABASE_URL')
want=$(node -e "const e = JSON.parse(process.argv[1]);
  process.stdout.write('postgresql://' + e.POSTGRES_USER + ':' + e.POSTGRES_PASSWORD +
                       '@db:5432/' + e.POSTGRES_DB)" "$db_env")
check "LIQ_DATABASE_URL ($url) is db's user, password and database on db:5432" \
    test "$url" = "$want"

# --- 2. the published port ---------------------------------------------------------------------
port=$(jq_ 'c.services.liquidityd.environment.LIQ_PORT')
check "the published port (${port:-none}) is the LIQ_PORT the service listens on" \
    test "$(jq_ "(c.services.liquidityd.ports || []).some(p => String(p).endsWith(':$port'))")" \
    = true

# --- 3. the shipped environment through the entrypoint's --check-config ------------------------
mapfile -t envs < <(node -e "
const c = JSON.parse(process.argv[1]);
for (const [k, v] of Object.entries(c.services.liquidityd.environment)) console.log(k + '=' + v);
" "$compose_json")
out=$(env -i PATH="$PATH" "${envs[@]}" "$BIN" --config "$ROOT/config/liquidityd.conf" \
      --check-config 2>&1) && ok "liquidityd --check-config accepts the compose environment" ||
    bad "liquidityd --check-config with the compose environment: $out"
for kv in "${envs[@]}"; do
    key=$(tr 'A-Z' 'a-z' <<<"${kv%%=*}")
    key=${key#liq_}
    val=${kv#*=}
    line=$(grep -E "^$key = " <<<"$out" || true)
    case "$line" in
        *"$val"*) ok "effective $key = $val" ;;
        *) bad "compose sets $key=$val but --check-config says '${line:-nothing}'" ;;
    esac
done

if [ $FAILS -ne 0 ]; then
    echo "docker-compose.yml checks: $FAILS failure(s)" >&2
    exit 1
fi
echo "docker-compose.yml checks: all passed"
