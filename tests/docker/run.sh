#!/usr/bin/env bash
# tests/docker/run.sh - the Docker deployment for real, a step of `scripts/dev test`.
# Starts a Docker engine (host networking only: no bridge, no iptables) unless one answers,
# makes the base image debian:bookworm-slim from Debian's mirror with debootstrap (cached in
# the engine: skipped when it exists), builds the project image and a local PostgreSQL 15
# image (tests/docker/postgres; postgres:15 cannot be pulled here), then runs the shipped
# docker-compose.yml with tests/docker/compose.test.yml (loopback, ports free at run time):
#   compose up -> migrations applied -> HEALTHCHECK healthy -> the EURUSD CSV posted -> zones
#   answered; `docker stop` in the middle of an upload drains it (answered 200, committed) and
#   exits 0; compose down + up with the volume kept answers a byte-identical GET /zones; the
#   service runs as uid 10001; the image has no compiler; the image sizes are printed.
# The host is left as found: the device nodes of /dev are compared before and after (a change
# fails loudly, and is repaired so the machine stays usable), the containers, networks and
# volumes it made are removed and the engine it started is stopped, on every exit path. The
# base and built images stay as the cache of the next run.
# Only when the engine cannot start at all (no privilege to run it) does it print why and skip.
#
#   tests/docker/run.sh [CSV]      (default ../shared/data/EURUSD_15M.csv beside the repo)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CSV=${1:-$ROOT/../shared/data/EURUSD_15M.csv}
HERE=$ROOT/tests/docker
PROJECT=liqdockertest$$
WORK=$(mktemp -d /tmp/liq-docker.XXXXXX)
DEVICES=(/dev/null /dev/zero /dev/random /dev/urandom /dev/tty /dev/full)
HEALTH_DEADLINE_S=180  # the HEALTHCHECK turns healthy in ~5 s on an idle machine
PACKAGES=(docker.io docker-compose debootstrap iproute2 curl python3)
DOCKERD_PID=""
SKIPPED=""
T0=$SECONDS

say() { printf '\033[1m==> docker: %s\033[0m\n' "$*" >&2; }
ok() { printf '  ok    %s\n' "$*"; }
die() { printf '  FAIL  %s\n' "$*" >&2; exit 1; }

install_pkgs() { # Debian packages, only those missing
    local missing=() p sudo=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    say "installing ${missing[*]}"
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

# --- the host as found: device nodes --------------------------------------------------------
dev_state() { stat -c '%n %F %t:%T %a %u:%g' "${DEVICES[@]}" 2>&1; }
DEV_BEFORE=$(dev_state)
DEV_BROKEN=0
dev_guard() { # phase: compare the device nodes with their state at start
    local now
    now=$(dev_state)
    [ "$now" = "$DEV_BEFORE" ] && return 0
    DEV_BROKEN=1
    printf '\n  FAIL  the host device nodes changed during "%s":\n' "$1" >&2
    diff <(printf '%s\n' "$DEV_BEFORE") <(printf '%s\n' "$now") >&2 || true
    # Repair them (other work on this machine needs them), from the state recorded at start.
    local name type majmin mode owner
    while read -r name type _ majmin mode owner; do
        [ "$type" = character ] || continue
        if [ "$(stat -c '%F %t:%T %a %u:%g' "$name" 2>/dev/null)" != \
             "character special file $majmin $mode $owner" ]; then
            rm -f "$name"
            mknod -m "$mode" "$name" c $((16#${majmin%:*})) $((16#${majmin#*:}))
            chown "$owner" "$name"
            echo "  repaired $name" >&2
        fi
    done <<<"$(sed 's/character special file/character special/' <<<"$DEV_BEFORE")"
    return 1
}

mounts() { findmnt -rn -o TARGET | sort -u; }
MOUNTS_BEFORE=$(mounts)

# --- cleanup on every exit path -----------------------------------------------------------------
MERGED=$WORK/compose.yml  # the shipped file + the test override, as compose merges them
compose() { docker-compose -p "$PROJECT" --project-directory "$ROOT" -f "$MERGED" "$@"; }
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    if [ -n "${ENGINE_UP:-}" ]; then
        if [ $rc -ne 0 ]; then
            for c in $(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT"); do
                say "logs of $(docker inspect -f '{{.Name}}' "$c")"
                docker logs --tail 40 "$c" 2>&1 | sed 's/^/    /'
            done
        fi
        [ ! -f "$MERGED" ] || compose down --volumes --remove-orphans --timeout 30 >/dev/null 2>&1
        local label
        for label in "com.docker.compose.project=$PROJECT" "liquidityd-test=$PROJECT"; do
            docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null 2>&1
        done
        docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT" |
            xargs -r docker volume rm >/dev/null 2>&1
        docker network ls -q --filter "label=com.docker.compose.project=$PROJECT" |
            xargs -r docker network rm >/dev/null 2>&1
        local left
        left=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT"; \
               docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT")
        [ -z "$left" ] || { echo "  FAIL  left behind: $left" >&2; rc=1; }
    fi
    if [ -n "$DOCKERD_PID" ]; then
        kill -TERM "$DOCKERD_PID" 2>/dev/null
        local i
        for i in $(seq 1 300); do
            kill -0 "$DOCKERD_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$DOCKERD_PID" 2>/dev/null; then
            echo "  FAIL  dockerd $DOCKERD_PID still runs 30 s after SIGTERM" >&2
            rc=1
        fi
    fi
    # dockerd leaves its mount of the host's network namespace (/run/docker/netns/default);
    # what the engine this run started mounted goes; a Docker mount left fails the run
    local m
    for m in $(comm -13 <(printf '%s\n' "$MOUNTS_BEFORE") <(mounts)); do
        case "$m" in
            /run/docker/* | /var/run/docker/* | /var/lib/docker/*)
                [ -z "$DOCKERD_PID" ] || umount "$m" || true ;;
        esac
    done
    m=$(comm -13 <(printf '%s\n' "$MOUNTS_BEFORE") <(mounts) | grep -E "docker|containerd" || true)
    [ -z "$m" ] || { echo "  FAIL  mounts left on the host: $m" >&2; rc=1; }
    dev_guard "the whole run" || rc=1
    [ $DEV_BROKEN -eq 0 ] ||
        { echo "  FAIL  host device nodes were changed (see above)" >&2; rc=1; }
    if [ -d "$WORK/rootfs" ] && ! findmnt -rn -o TARGET | grep -q "^$WORK/"; then
        rm -rf --one-file-system "$WORK/rootfs"
    fi
    rm -rf --one-file-system "$WORK"
    if [ $rc -ne 0 ]; then
        say "FAILED"
    elif [ -n "$SKIPPED" ]; then
        say "skipped (no engine), the host checked unchanged"
    else
        say "passed in $((SECONDS - T0)) s"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One run at a time on a machine: a second one would share the engine this one stops at its
# end, and the image tags. It waits (the file stays, empty, in /tmp).
exec 9>>/tmp/liquidityd-docker-test.lock
if ! flock -n 9; then
    say "waiting for the other tests/docker/run.sh on this machine to finish"
    flock -w 900 9 || die "another tests/docker/run.sh held the lock for 15 minutes"
fi

# --- the engine -------------------------------------------------------------------------------
install_pkgs "${PACKAGES[@]}"
[ -f "$CSV" ] || die "no CSV at $CSV"
if docker info >/dev/null 2>&1; then
    say "using the Docker engine that already runs"
else
    say "starting dockerd (host networking only)"
    dockerd --bridge=none --iptables=false --ip-masq=false >"$WORK/dockerd.log" 2>&1 9>&- &
    DOCKERD_PID=$!
    for _ in $(seq 1 600); do
        docker info >/dev/null 2>&1 && break
        kill -0 "$DOCKERD_PID" 2>/dev/null || break
        sleep 0.1
    done
    if ! docker info >/dev/null 2>&1; then
        SKIPPED=1
        say "SKIPPED: the Docker engine cannot start on this machine:"
        grep -iE 'level=(error|fatal)|permission|operation not permitted' "$WORK/dockerd.log" |
            tail -n 5 >&2 || tail -n 5 "$WORK/dockerd.log" >&2
        exit 0
    fi
fi
ENGINE_UP=1
dev_guard "engine start"

# --- the base image: debootstrap from the mirror apt uses, cached in the engine ------------------
apt_mirror() { # the first http(s) URI of the Debian archive apt uses, else deb.debian.org
    local uri
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
              /etc/apt/sources.list.d/*.sources 2>/dev/null |
          grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ')
    echo "${uri:-http://deb.debian.org/debian}"
}
t=$SECONDS
if docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
    ok "base image debian:bookworm-slim is cached"
else
    mirror=$(apt_mirror)
    say "making debian:bookworm-slim: debootstrap --variant=minbase bookworm from $mirror"
    rootfs=$WORK/rootfs
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 ||
        { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
    # debootstrap unmounts what it mounted; anything still mounted inside stops the run here
    ! findmnt -rn -o TARGET | grep "^$rootfs" || die "mounts left under $rootfs"
    # slim as the official image: no package cache, apt lists, docs, man pages, locales, and
    # its dpkg and apt settings, so that the images built on it stay slim too
    (cd "$rootfs" &&
     rm -rf var/cache/apt/archives/*.deb var/lib/apt/lists/* usr/share/man/* usr/share/info/* \
            usr/share/groff/* usr/share/lintian/* &&
     find usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete &&
     find usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +)
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
EOF
    # /dev, /proc and /sys of an image are empty: the engine provides them in each container
    tar -C "$rootfs" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . |
        docker import - debian:bookworm-slim >/dev/null
    rm -rf --one-file-system "$rootfs"
    ok "base image debian:bookworm-slim made in $((SECONDS - t)) s"
fi
dev_guard "base image"

# --- the images -------------------------------------------------------------------------------
t=$SECONDS
say "docker build --network host -t liquidityd:latest ."
docker build --network host -t liquidityd:latest "$ROOT" >"$WORK/build.log" 2>&1 ||
    { tail -n 30 "$WORK/build.log" >&2; die "docker build of liquidityd failed"; }
ok "liquidityd:latest built in $((SECONDS - t)) s"
t=$SECONDS
docker build --network host -t liquidityd-test-pg:15 "$HERE/postgres" >"$WORK/build-pg.log" 2>&1 ||
    { tail -n 30 "$WORK/build-pg.log" >&2; die "docker build of the PostgreSQL image failed"; }
ok "liquidityd-test-pg:15 built in $((SECONDS - t)) s"
dev_guard "image builds"

mb() { docker image inspect -f '{{.Size}}' "$1" | awk '{printf "%.1f", $1 / 1e6}'; }
base_mb=$(mb debian:bookworm-slim)
app_mb=$(mb liquidityd:latest)
echo "  image sizes: debian:bookworm-slim $base_mb MB, liquidityd:latest $app_mb MB" \
     "(+$(awk -v a="$app_mb" -v b="$base_mb" 'BEGIN {printf "%.1f", a - b}') MB)," \
     "liquidityd-test-pg:15 $(mb liquidityd-test-pg:15) MB"
# the runtime stage adds the linked libraries, curl and the binaries: a few tens of MB
awk -v a="$app_mb" -v b="$base_mb" 'BEGIN {exit !(a - b < 25)}' ||
    die "liquidityd:latest adds $app_mb - $base_mb MB to its base (budget 25 MB)"
ok "the runtime stage adds less than 25 MB to the base"

# What the image holds, seen from inside it (a throwaway container, no network).
inside=$(docker run --rm --network none --label "liquidityd-test=$PROJECT" \
         --entrypoint /bin/sh liquidityd:latest -c '
    for c in cc gcc c99 cpp clang tcc as ld make cmake; do command -v "$c"; done
    dpkg-query -W -f "\${Package}\n" |
        grep -E "^(gcc|cpp|clang|tcc|binutils|libc6-dev|make|cmake)(-[0-9.]+)?$"
    find / -xdev \( -name cc1 -o -name collect2 -o -name "*-linux-gnu-as" \) -print 2>/dev/null
    ldd /usr/local/bin/liquidityd /usr/local/bin/liqctl | grep "not found"
    [ -f /usr/share/zoneinfo/Europe/Athens ] || echo "no tzdata for ?tz="
    true')
[ -z "$inside" ] || die "the image holds build tools or misses libraries: $inside"
ok "no compiler, assembler, linker or make in the image; every linked library and tzdata are there"

# --- compose up: the shipped file with the test override --------------------------------------
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0));
print(s.getsockname()[1])'
}
export LIQ_TEST_PGPORT LIQ_TEST_HTTP_PORT
LIQ_TEST_PGPORT=$(free_port)
LIQ_TEST_HTTP_PORT=$(free_port)
while [ "$LIQ_TEST_HTTP_PORT" = "$LIQ_TEST_PGPORT" ]; do LIQ_TEST_HTTP_PORT=$(free_port); done
URL=http://127.0.0.1:$LIQ_TEST_HTTP_PORT
# Compose v1 (docker-py) refuses published ports on the host network, and an override file can
# only add to `ports`: the merged configuration runs without them (on the host network the
# service's own LIQ_PORT is the port; check.sh checks the shipped mapping).
docker-compose -f "$ROOT/docker-compose.yml" -f "$HERE/compose.test.yml" config >"$MERGED"
python3 -c 'import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
for s in c["services"].values(): s.pop("ports", None)
yaml.safe_dump(c, open(sys.argv[1], "w"), sort_keys=False)' "$MERGED"

wait_healthy() { # container: poll Docker's health status until healthy (deadline sized for load)
    local c=$1 end=$((SECONDS + HEALTH_DEADLINE_S)) s
    while :; do
        s=$(docker inspect -f \
            '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$c")
        case "$s" in
            "running healthy") return 0 ;;
            exited* | dead*) die "$c is $s" ;;
        esac
        [ $SECONDS -lt $end ] || die "$c is '$s' after $HEALTH_DEADLINE_S s"
        sleep 0.5
    done
}
up() { # compose up -d, then both containers healthy; sets APP and DB
    compose up -d --no-build >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; die "compose up"; }
    APP=$(compose ps -q liquidityd)
    DB=$(compose ps -q db)
    [ -n "$APP" ] && [ -n "$DB" ] || die "compose up did not create both containers"
    wait_healthy "$DB"
    wait_healthy "$APP"
}
get() { curl -sS --fail-with-body --max-time 60 "$URL$1"; }
psql_db() { docker exec "$DB" psql -U liquidity -d liquidity -v ON_ERROR_STOP=1 -Atc "$1"; }

t=$SECONDS
say "compose up (db on 127.0.0.1:$LIQ_TEST_PGPORT, liquidityd on 127.0.0.1:$LIQ_TEST_HTTP_PORT)"
up
ok "compose up: db and liquidityd healthy (Docker's HEALTHCHECK) in $((SECONDS - t)) s"
dev_guard "compose up"

version=$(psql_db "SHOW server_version")
[ "${version%%.*}" = 15 ] || die "the database is PostgreSQL $version"
applied=$(psql_db "SELECT name FROM schema_migrations ORDER BY name" | sed 's/\.sql$//')
shipped=$(ls "$ROOT/migrations" | sed -n 's/\.sql$//p' | sort)
[ "$applied" = "$shipped" ] ||
    die "migrations applied: $(echo $applied), shipped: $(echo $shipped)"
ok "PostgreSQL $version; the $(wc -l <<<"$shipped") migrations of migrations/ are applied"
tcp() { # password: psql over TCP from the db container
    docker exec -e PGPASSWORD="$1" "$DB" psql -h 127.0.0.1 -U liquidity -d liquidity -Atc \
        "SELECT 1" 2>&1
}
[ "$(tcp liquidity)" = 1 ] || die "POSTGRES_PASSWORD's password refused: $(tcp liquidity)"
[[ "$(tcp wrong)" == *"password authentication failed"* ]] ||
    die "a wrong password over TCP: $(tcp wrong)"
ok "db honours POSTGRES_USER/PASSWORD/DB: TCP takes the password, refuses a wrong one"

pid=$(docker inspect -f '{{.State.Pid}}' "$APP")
comm=$(cat "/proc/$pid/comm")
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
[ "$comm" = liquidityd ] && [ "$uids" = "10001 10001 10001 10001" ] ||
    die "the container's process is $comm with uids $uids"
ok "the service process ($comm, host pid $pid) runs as uid 10001 (real, effective, saved, fs)"

# --- an upload in flight when docker stop comes: drained, answered, committed, exit 0 ------------
# The request goes over a raw socket: headers and the first half of the CSV, then (once the
# server has read them) docker stop; once the listening socket is closed (the drain began)
# the second half, then the answer.
say "docker stop during an upload of $(basename "$CSV")"
size=$(stat -c %s "$CSV")
half=$((size / 2))
bars=$(awk 'END {print NR - 1}' "$CSV")  # NR counts a last line without newline
exec 3<>"/dev/tcp/127.0.0.1/$LIQ_TEST_HTTP_PORT"
printf '%s\r\n' 'POST /bars?symbol=EURUSD&timeframe=M15 HTTP/1.1' 'Host: 127.0.0.1' \
    'Content-Type: text/csv' "Content-Length: $size" 'Connection: close' '' >&3
head -c "$half" "$CSV" >&3
recvq() { # the most bytes the server has not read yet on a connection (-1: no connection)
    ss -tnH state established "( sport = :$LIQ_TEST_HTTP_PORT )" |
        awk 'BEGIN {m = -1} $1 > m {m = $1} END {print m}'
}
end=$((SECONDS + 60))
until [ "$(recvq)" = 0 ]; do
    [ $SECONDS -lt $end ] || die "the server did not read the first half of the upload"
    sleep 0.05
done
docker stop --time 30 "$APP" >"$WORK/stop.log" 2>&1 &
stop_pid=$!
end=$((SECONDS + 60))
while ss -tlnH "( sport = :$LIQ_TEST_HTTP_PORT )" | grep -q .; do
    [ $SECONDS -lt $end ] || die "liquidityd still listens 60 s after docker stop"
    sleep 0.05
done
[ "$(docker inspect -f '{{.State.Status}}' "$APP")" = running ] ||
    die "liquidityd exited before the upload was complete"
tail -c +"$((half + 1))" "$CSV" >&3
answer=$(timeout 60 cat <&3) || true
exec 3<&-
wait $stop_pid || die "docker stop: $(cat "$WORK/stop.log")"
status=$(head -n 1 <<<"$answer" | tr -d '\r')
body=$(sed '1,/^\r\{0,1\}$/d' <<<"$answer")
[ "${status#HTTP/1.1 }" = "200 OK" ] || die "the drained upload was answered '$status': $body"
[[ "$body" == *"\"accepted\":$bars,"* ]] || die "the drained upload: $body (expected $bars bars)"
exit_code=$(docker inspect -f '{{.State.ExitCode}}' "$APP")
[ "$exit_code" = 0 ] || die "liquidityd exited $exit_code after docker stop"
ok "docker stop in the middle of the upload: $status $body; exit code 0"
dev_guard "docker stop"

# --- compose up again: the drained upload was committed; zones answered -------------------------
t=$SECONDS
up
stored=$(get "/bars?symbol=EURUSD&limit=100000" |
         python3 -c 'import json, sys; print(json.load(sys.stdin)["count"])')
[ "$stored" = "$bars" ] || die "after the restart GET /bars has $stored bars, posted $bars"
ok "restarted in $((SECONDS - t)) s: the $bars bars of the drained upload are stored"
zones_q="/zones?symbol=EURUSD&active=all&limit=10000"
get "$zones_q" >"$WORK/zones-1.json"
nzones=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1]));
z = d["zones"] if isinstance(d, dict) else d; print(len(z))' "$WORK/zones-1.json")
[ "$nzones" -gt 0 ] || die "GET $zones_q answered no zones: $(head -c 300 "$WORK/zones-1.json")"
ok "GET /zones answers $nzones zones ($(stat -c %s "$WORK/zones-1.json") bytes)"

# --- compose down + up, the volume kept: the same zones, byte for byte ---------------------------
t=$SECONDS
compose down --timeout 30 >"$WORK/down.log" 2>&1 ||
    { cat "$WORK/down.log" >&2; die "compose down"; }
[ -z "$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")" ] ||
    die "compose down left containers"
docker volume inspect "${PROJECT}_pgdata" >/dev/null || die "compose down removed the volume"
up
get "$zones_q" >"$WORK/zones-2.json"
cmp -s "$WORK/zones-1.json" "$WORK/zones-2.json" ||
    die "GET /zones differs after down + up: $(cmp "$WORK/zones-1.json" "$WORK/zones-2.json")"
ok "compose down + up (volume kept, $((SECONDS - t)) s): GET /zones is byte-identical"
dev_guard "compose down + up"
