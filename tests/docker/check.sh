#!/usr/bin/env bash
# tests/docker/check.sh - what can be checked of Dockerfile and docker-compose.yml on a
# machine without a Docker engine. Each check runs what the files call, as they call it:
#
#   1. Dockerfile: both stages FROM debian:bookworm-slim, the build stage runs `scripts/dev
#      deps` (the README's install script), the runtime stage has a non-root USER,
#      a HEALTHCHECK on /health and ENTRYPOINT liquidityd --config /etc/liquidityd.conf.
#   2. Every path the Dockerfile COPYs from the context exists and is not .dockerignore'd.
#   3. Every package the runtime stage installs exists in apt-cache (Debian 12, like the image).
#   4. Every shared library liquidityd and liqctl load comes from a package of the runtime
#      stage or from one of their dependencies (the image has nothing else).
#   5. docker-compose.yml: postgres:15 with a volume and a pg_isready healthcheck; the
#      service depends on it being healthy; its settings are LIQ_* environment variables.
#   6. The entrypoint with the compose environment (${VAR:-default} expanded as compose
#      does) passes --check-config and the effective settings are the compose ones.
#   7. The HEALTHCHECK command, run as written, against liquidityd started with the image's
#      config file: healthy when the service is up, unhealthy when it is not.
#   8. The build stage's COPYs alone are enough: they are copied into an empty directory
#      and its cmake RUN line builds both binaries there (the apt step is scripts/dev deps,
#      which `scripts/dev test` itself runs).
#
#   tests/docker/check.sh BUILD/liquidityd     (liqctl is looked for in BUILD/cli/)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${1:?usage: tests/docker/check.sh BUILD/liquidityd}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
LIQCTL=$(dirname "$BIN")/cli/liqctl
DF=$ROOT/Dockerfile
COMPOSE=$ROOT/docker-compose.yml
FAILS=0

ok() { printf '  ok    %s\n' "$*"; }
bad() { printf '  FAIL  %s\n' "$*" >&2; FAILS=$((FAILS + 1)); }
check() { # description command...
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

# Dockerfile with continuation lines joined, comments dropped.
joined=$(sed -e 's/#.*$//' "$DF" | sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' | grep -v '^[[:space:]]*$')
stage_count=$(grep -c '^FROM ' <<<"$joined")
runtime=$(awk '/^FROM /{n++} n==2' <<<"$joined")
build_stage=$(awk '/^FROM /{n++} n==1' <<<"$joined")

# --- 1. the Dockerfile's shape ---------------------------------------------------------------
check "two stages" test "$stage_count" -eq 2
check "every stage is FROM debian:bookworm-slim" \
    test "$(grep '^FROM ' <<<"$joined" | grep -vc 'debian:bookworm-slim')" -eq 0
check "the build stage runs scripts/dev deps" grep -q 'RUN scripts/dev deps' <<<"$build_stage"
check "the build stage builds Release" grep -q 'CMAKE_BUILD_TYPE=Release' <<<"$build_stage"
user=$(awk '/^USER /{print $2}' <<<"$runtime" | tail -n 1)
check "the runtime stage runs as a non-root user ($user)" \
    test -n "$user" -a "$user" != root -a "$user" != 0
check "the user is created in the runtime stage" grep -q "useradd.* $user\$" <<<"$runtime"
check "HEALTHCHECK curls /health" grep -q '^HEALTHCHECK .*CMD curl -fsS .*/health' <<<"$runtime"
check "ENTRYPOINT is liquidityd --config /etc/liquidityd.conf" \
    grep -qx 'ENTRYPOINT \["liquidityd", "--config", "/etc/liquidityd.conf"\]' <<<"$runtime"
check "/etc/liquidityd.conf is config/liquidityd.conf" \
    grep -qx 'COPY config/liquidityd.conf /etc/liquidityd.conf' <<<"$runtime"
check "the binaries come from the build stage" \
    test "$(grep -c '^COPY --from=build /src/build/' <<<"$runtime")" -eq 2

# --- 2. COPY sources exist and are not ignored --------------------------------------------------
ignored() { # path -> 0 when .dockerignore excludes it (the patterns this repo uses)
    local p=${1%/} pat
    while read -r pat; do
        pat=${pat%/}
        [ -z "$pat" ] && continue
        case "$p" in $pat | $pat/*) return 0 ;; esac
    done < <(grep -v '^\s*#' "$ROOT/.dockerignore")
    return 1
}
while read -r src; do
    if [ ! -e "$ROOT/$src" ]; then
        bad "COPY source $src does not exist"
    elif ignored "$src"; then
        bad "COPY source $src is excluded by .dockerignore"
    else
        ok "COPY source $src exists"
    fi
done < <(grep '^COPY ' <<<"$joined" | grep -v -- '--from=' | awk '{for (i = 2; i < NF; i++) print $i}')
# what the build needs beyond the COPYs: every add_subdirectory of CMakeLists.txt is copied
for sub in $(grep -o 'add_subdirectory([a-z]*)' "$ROOT/CMakeLists.txt" | tr -d '()' |
             sed 's/add_subdirectory//'); do
    if grep -q "^COPY $sub/ " <<<"$build_stage"; then
        ok "subdirectory $sub/ is copied"
    elif [ "$sub" = bench ]; then
        ok "subdirectory bench/ is left out on purpose (benchmarks are not shipped)"
    else
        bad "CMakeLists.txt adds $sub/ but the build stage does not COPY it"
    fi
done

# --- 3. runtime packages exist ----------------------------------------------------------------
pkgs=$(grep 'apt-get install' <<<"$runtime" | sed 's/.*--no-install-recommends//; s/&&.*//')
# one apt-cache call: "pkg:" then "  Candidate: VERSION" for each package it knows
candidates=$(apt-cache policy $pkgs 2>/dev/null |
             awk '/^[^ ].*:$/ {p = substr($0, 1, length($0) - 1)} /Candidate:/ {print p, $2}')
for p in $pkgs; do
    v=$(awk -v p="$p" '$1 == p {print $2}' <<<"$candidates")
    if [ -n "$v" ] && [ "$v" != "(none)" ]; then ok "apt-cache has $p ($v)"; else bad "apt-cache has no $p"; fi
done

# --- 4. every linked library is in the runtime closure ----------------------------------------
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
            --no-breaks --no-replaces --no-enhances $pkgs 2>/dev/null |
          grep -v '^ ' | sed 's/:amd64$//; s/^<//; s/>$//' | sort -u)
# One dpkg -S for every library under each spelling (usrmerge: /lib and /usr/lib).
declare -A OWNER
libs=()
for exe in "$BIN" "$LIQCTL"; do
    [ -x "$exe" ] || { bad "$exe is not built"; continue; }
    libs+=($(ldd "$exe" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'))
done
cands=()
for lib in $(printf '%s\n' "${libs[@]}" | sort -u); do
    real=$(realpath "$lib")
    cands+=("$lib" "$real" "${lib#/usr}" "${real#/usr}" "/usr${lib#/usr}" "/usr${real#/usr}")
done
while IFS= read -r line; do
    pkg=${line%%:*}
    path=${line##*: }
    OWNER[$path]=$pkg
done < <(dpkg -S "${cands[@]}" 2>/dev/null || true)
for lib in $(printf '%s\n' "${libs[@]}" | sort -u); do
    real=$(realpath "$lib")
    pkg=""
    for cand in "$lib" "$real" "${lib#/usr}" "${real#/usr}" "/usr${lib#/usr}" "/usr${real#/usr}"; do
        pkg=${OWNER[$cand]:-}
        [ -n "$pkg" ] && break
    done
    if [ -z "$pkg" ]; then
        bad "no package owns $lib"
    elif grep -qx "$pkg" <<<"$closure"; then
        ok "$(basename "$lib") comes from $pkg"
    else
        bad "$(basename "$lib") comes from $pkg, which the runtime stage does not install"
    fi
done

# --- 5. docker-compose.yml's shape ---------------------------------------------------------------
# The compose file as JSON, through the pinned yaml package of tools/.
compose_json=$(node --input-type=module -e "
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire('$ROOT/tools/package.json');
const YAML = require('yaml');
process.stdout.write(JSON.stringify(YAML.parse(readFileSync('$COMPOSE', 'utf8'))));
") || { bad "docker-compose.yml is not valid YAML"; compose_json='{}'; }
jq_() { node -e "const c = JSON.parse(process.argv[1]); const v = ($1); \
    process.stdout.write(typeof v === 'string' ? v : JSON.stringify(v ?? null))" "$compose_json"; }
check "db is postgres:15" test "$(jq_ 'c.services.db.image')" = postgres:15
check "db keeps its data in a named volume" \
    test "$(jq_ "(c.services.db.volumes||[]).some(v => /^[a-z]+:\/var\/lib\/postgresql\/data$/.test(v) && c.volumes && (v.split(':')[0] in c.volumes))")" = true
check "db has a pg_isready healthcheck" grep -q pg_isready <<<"$(jq_ 'c.services.db.healthcheck.test')"
check "liquidityd waits for db to be healthy" \
    test "$(jq_ 'c.services.liquidityd.depends_on.db.condition')" = service_healthy
check "liquidityd is built from this Dockerfile" test "$(jq_ 'c.services.liquidityd.build')" = .
check "liquidityd's settings are LIQ_* variables" \
    test "$(jq_ 'Object.keys(c.services.liquidityd.environment).every(k => k.startsWith("LIQ_"))')" = true

# --- 6. the entrypoint with the compose environment --------------------------------------------
# ${VAR:-default} and ${VAR} expanded as compose does, from an empty outer environment.
mapfile -t envs < <(node -e "
const c = JSON.parse(process.argv[1]);
for (const [k, v] of Object.entries(c.services.liquidityd.environment)) {
  const s = String(v).replace(/\\$\{([A-Z_]+)(:-([^}]*))?\}/g, (m, n, d, def) => def ?? '');
  console.log(k + '=' + s);
}" "$compose_json")
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

# --- 7. the HEALTHCHECK command, as written, against a running liquidityd -------------------------
hc=$(grep '^HEALTHCHECK ' <<<"$runtime" | sed 's/.* CMD //')
port=$(( 30000 + RANDOM % 20000 ))
LIQ_PORT=$port LIQ_LIQUIDITY_DB_PERSIST=false LIQ_LOG_LEVEL=warn \
    "$BIN" --config "$ROOT/config/liquidityd.conf" 2>/dev/null &
pid=$!
healthy=1
for _ in $(seq 1 50); do
    if LIQ_PORT=$port sh -c "$hc"; then healthy=0; break; fi
    sleep 0.1
done
check "HEALTHCHECK ($hc) passes against a running liquidityd" test $healthy -eq 0
kill -TERM $pid
wait $pid && ok "liquidityd exits 0 on SIGTERM (docker stop)" || bad "liquidityd's exit after SIGTERM"
check "HEALTHCHECK fails when nothing listens" bash -c "! LIQ_PORT=$port sh -c '$hc' 2>/dev/null"

# --- 8. the build stage's context is enough: its COPYs into an empty dir, then its RUN ------
ctx=$(mktemp -d /tmp/liq-docker-ctx.XXXXXX)
while read -r src dst; do
    mkdir -p "$ctx/$(dirname "${dst%/}")"
    cp -r "$ROOT/${src%/}" "$ctx/${dst%/}"
done < <(grep '^COPY ' <<<"$build_stage" | grep -v -- '--from=' | awk '{print $2, $3}')
build_run=$(grep '^RUN cmake' <<<"$build_stage" | sed 's/^RUN //')
if (cd "$ctx" && bash -c "$build_run" >"$ctx.log" 2>&1) &&
   [ -x "$ctx/build/liquidityd" ] && [ -x "$ctx/build/cli/liqctl" ]; then
    ok "the build stage's COPYs are enough: its cmake RUN builds liquidityd and liqctl"
else
    bad "the build stage's RUN fails on its COPYs alone: $(tail -n 5 "$ctx.log")"
fi
rm -rf "$ctx" "$ctx.log"

if [ $FAILS -ne 0 ]; then
    echo "docker checks: $FAILS failure(s)" >&2
    exit 1
fi
echo "docker checks: all passed"
