# syntax=docker/dockerfile:1
# The ratescope ingester (and report) as a static binary on a distroless
# base. Used by docker-compose.yml's ingester service. On its own:
#
#   docker build -t ratescope .
#   docker run -d --name ratescope-ingest \
#     -e RATESCOPE_CLICKHOUSE=clickhouse://ingest:secret@ch.internal:9000/ratescope \
#     -v /var/log/gw:/logs:ro -v ratescope-state:/state \
#     -p 127.0.0.1:9464:9464 ratescope
#
# The default command follows /logs/*.log and /logs/*.jsonl, keeps its
# checkpoints and the credential hash key in /state (a volume: a new key
# would give every raw key a new kh- id), and serves /metrics and /healthz
# on 0.0.0.0:9464. A ClickHouse on the Docker host is
# clickhouse://host.docker.internal:9000/ratescope with
# --add-host=host.docker.internal:host-gateway. Arguments replace the whole
# default command, so give them all, e.g.:
#   ... ratescope --follow '/logs/access*.log' --state-dir /state \
#         --hash-key-file /state/hash.key --metrics-addr 0.0.0.0:9464
# A configuration (partners, plans, routes, field mappings):
#   -v ./ratescope.yaml:/etc/ratescope/ratescope.yaml:ro  (found there by default)

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
# Only the Go sources: the build context may hold .clickhouse/ data and samples.
COPY cmd ./cmd
COPY internal ./internal
COPY schema ./schema
ARG VERSION=devel
ARG COMMIT=unknown
RUN LDFLAGS="-s -w -X github.com/ratescope/ratescope/internal/cli.version=${VERSION} -X github.com/ratescope/ratescope/internal/cli.commit=${COMMIT}" \
 && CGO_ENABLED=0 go build -trimpath -ldflags="$LDFLAGS" -o /out/ingest ./cmd/ingest \
 && CGO_ENABLED=0 go build -trimpath -ldflags="$LDFLAGS" -o /out/report ./cmd/report \
 && CGO_ENABLED=0 go build -trimpath -o /out/loggen ./cmd/loggen \
 && mkdir -p /out/state /out/live

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ingest /out/report /out/loggen /usr/local/bin/
# Owned by the image's nonroot user, so a fresh named volume at /state (or
# at /live, loggen --live's in docker-compose.yml) is writable.
COPY --from=build --chown=65532:65532 /out/state /state
COPY --from=build --chown=65532:65532 /out/live /live
VOLUME /state
EXPOSE 9464
# No curl in a distroless image: the binary asks its own /healthz.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/ingest", "healthcheck", "http://127.0.0.1:9464/healthz"]
ENTRYPOINT ["/usr/local/bin/ingest"]
CMD ["--follow", "/logs/*.log", "/logs/*.jsonl", "--state-dir", "/state", "--hash-key-file", "/state/hash.key", "--metrics-addr", "0.0.0.0:9464"]
