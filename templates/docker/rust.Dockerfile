# syntax=docker/dockerfile:1
# A Rust service: a release build in one stage, run from a slim Debian image
# as an unprivileged user. Base images are pinned to exact versions; pin them
# by digest too once your registry mirrors them. No secret is passed to the
# build: the binary gets its configuration from the environment at run time.

FROM rust:1.83.0-slim-bookworm AS build
WORKDIR /src
COPY . .
# The package's binary, named after the service (`cargo init --name {{service}}`).
RUN cargo install --locked --path . --root /out --bin {{service}}

FROM debian:12.8-slim
# TLS roots for outgoing HTTPS calls.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/bin/{{service}} /usr/local/bin/app
# The uid and gid the platform runs pods as (`security run-as-user`).
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/app"]
