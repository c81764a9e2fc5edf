# syntax=docker/dockerfile:1
# A Go service: a static binary built in one stage, run from an empty image
# as an unprivileged user. Base images are pinned to exact versions; pin them
# by digest too (`golang:1.23.4-bookworm@sha256:…`) once your registry
# mirrors them. No secret is passed to the build: the binary gets its
# configuration from the environment at run time.

FROM golang:1.23.4-bookworm AS build
WORKDIR /src
# Dependencies first, so that they are cached while the code changes.
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/app .

FROM scratch
# TLS roots for outgoing HTTPS calls.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/app /app
# The uid and gid the platform runs pods as (`security run-as-user`).
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/app"]
