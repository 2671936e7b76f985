# liquidityd: multi-stage image. No Docker engine runs on the project's machines; what this
# file calls is checked by tests/docker/check.sh in `scripts/dev test` (see README, Docker).
#
#   docker build -t liquidityd .            (or: docker compose up --build)

# --- build: the same install script as the README's commands, then a Release build -------
FROM debian:bookworm-slim AS build
WORKDIR /src
COPY scripts/dev scripts/dev
RUN scripts/dev deps && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt ./
COPY api/ api/
COPY cli/ cli/
COPY config/ config/
COPY domain/ domain/
COPY migrations/ migrations/
COPY service/ service/
COPY storage/ storage/
COPY web/ web/
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLIQ_TESTS=OFF \
    && cmake --build build -j"$(nproc)" \
    && strip build/liquidityd build/cli/liqctl

# --- runtime: only the shared libraries the two binaries link, and curl for HEALTHCHECK --
FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libmicrohttpd12 libjansson4 libpq5 libconfig9 libcurl4 curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin \
       liquidityd
COPY --from=build /src/build/liquidityd /usr/local/bin/liquidityd
COPY --from=build /src/build/cli/liqctl /usr/local/bin/liqctl
COPY config/liquidityd.conf /etc/liquidityd.conf
USER liquidityd
ENV LIQ_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${LIQ_PORT}/health" >/dev/null || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["liquidityd", "--config", "/etc/liquidityd.conf"]
