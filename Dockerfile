# liquidityd: multi-stage image. tests/docker/run.sh (a step of `scripts/dev test`) builds it
# and runs docker-compose.yml through a real Docker engine (see README, Docker).
#
#   docker build -t liquidityd .            (or: docker compose up --build)

# --- build: the build subset of scripts/dev's PACKAGES (no test tools), then a Release build -
FROM debian:bookworm-slim AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       gcc libc6-dev make cmake pkg-config libmicrohttpd-dev libjansson-dev libpq-dev \
       libconfig-dev libcurl4-openssl-dev \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY api/ api/
COPY base/ base/
COPY cli/ cli/
COPY cmd/ cmd/
COPY config/ config/
COPY domain/ domain/
COPY migrations/ migrations/
COPY research/ research/
COPY service/ service/
COPY storage/ storage/
COPY web/ web/
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLIQ_TESTS=OFF \
    && cmake --build build -j"$(nproc)" --target liquidityd liqctl \
    && strip build/liquidityd build/cli/liqctl

# --- runtime: the shared libraries the two binaries link, curl for HEALTHCHECK, tzdata for
# the IANA zones of ?tz= (service/tzdb.c reads /usr/share/zoneinfo) -----------------------
FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libmicrohttpd12 libjansson4 libpq5 libconfig9 libcurl4 curl ca-certificates \
       tzdata \
    && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin \
       liquidityd
COPY --from=build /src/build/liquidityd /usr/local/bin/liquidityd
COPY --from=build /src/build/cli/liqctl /usr/local/bin/liqctl
COPY config/liquidityd.conf /etc/liquidityd.conf
USER liquidityd
ENV LIQ_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${LIQ_PORT}/health" >/dev/null || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["liquidityd", "--config", "/etc/liquidityd.conf"]
