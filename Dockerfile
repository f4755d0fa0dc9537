# syntax=docker/dockerfile:1
# The ratescope ingester (and report) as a static binary on a distroless
# base. Used by docker-compose.yml's ingester service:
#   docker build -t ratescope .
#   docker run -v /var/log/gw:/logs:ro ratescope --follow '/logs/*.log' --state-dir /state

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
# Only the Go sources: the build context may hold .clickhouse/ data and samples.
COPY cmd ./cmd
COPY internal ./internal
COPY schema ./schema
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ingest ./cmd/ingest \
 && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/report ./cmd/report \
 && mkdir -p /out/state

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ingest /out/report /usr/local/bin/
# Owned by the image's nonroot user, so a fresh named volume at /state is writable.
COPY --from=build --chown=65532:65532 /out/state /state
VOLUME /state
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/ingest"]
CMD ["--follow", "/logs/*.log", "--state-dir", "/state", "--metrics-addr", "0.0.0.0:9464"]
