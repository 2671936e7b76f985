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

# --- 4. the optional `ha` profile (docs/operations.md, "High availability") -------------------
# Checked statically: building three more images from Debian's packages in the test would add
# minutes; tests/scaling/patroni.mjs runs the same topology (same Patroni settings) for real.
ha() { jq_ "$1"; }
for svc in etcd pg0 pg1 liquidityd-ha; do
    check "ha: service $svc is in profile ha only" \
        test "$(ha "JSON.stringify(c.services['$svc']?.profiles)")" = '["ha"]'
done
check "ha: the default services have no profile" \
    test "$(ha 'JSON.stringify([c.services.db.profiles, c.services.liquidityd.profiles])')" = '[null,null]'
ha_url=$(ha "c.services['liquidityd-ha'].environment.LIQ_DATABASE_URL")
check "ha: liquidityd-ha's URL names pg0 and pg1 and asks for the read-write node ($ha_url)" \
    grep -qE '@pg0:5432,pg1:5432/liquidity\?target_session_attrs=read-write$' <<<"$ha_url"
for n in pg0 pg1; do
    check "ha: $n runs Patroni as $n" \
        test "$(ha "c.services.$n.command.join(' ') + ' ' + c.services.$n.environment.PATRONI_NAME")" \
        = "patroni /etc/patroni/patroni.yml $n"
done
dcs=$(node --input-type=module -e "
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const YAML = createRequire('$ROOT/tools/package.json')('yaml');
const d = YAML.parse(readFileSync('$ROOT/deploy/ha/patroni.yml', 'utf8')).bootstrap.dcs;
process.stdout.write([d.synchronous_mode, d.primary_start_timeout, d.ttl, d.loop_wait, d.retry_timeout,
                      d.postgresql.use_pg_rewind].join(' '));
") || dcs=unreadable
test_dcs=$(sed -nE 's/^const DCS = \{ ttl: ([0-9]+), loop_wait: ([0-9]+), retry_timeout: ([0-9]+), primary_start_timeout: ([0-9]+),.*/\4 \1 \2 \3/p' \
           "$ROOT/tests/scaling/patroni.mjs")
check "ha: deploy/ha/patroni.yml runs synchronous_mode with the tested settings ($dcs; test: $test_dcs)" \
    test "$dcs" = "true $test_dcs true"
mapfile -t ha_envs < <(node -e "
const c = JSON.parse(process.argv[1]);
for (const [k, v] of Object.entries(c.services['liquidityd-ha'].environment)) console.log(k + '=' + v);
" "$compose_json")
out=$(env -i PATH="$PATH" "${ha_envs[@]}" "$BIN" --config "$ROOT/config/liquidityd.conf" \
      --check-config 2>&1) && ok "liquidityd --check-config accepts the ha environment" ||
    bad "liquidityd --check-config with the ha environment: $out"

if [ $FAILS -ne 0 ]; then
    echo "docker-compose.yml checks: $FAILS failure(s)" >&2
    exit 1
fi
echo "docker-compose.yml checks: all passed"
