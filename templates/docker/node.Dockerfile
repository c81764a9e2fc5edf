# syntax=docker/dockerfile:1
# A Node.js service: production dependencies installed from the lockfile in
# one stage, copied into a clean image of the same Node and run as an
# unprivileged user. Base images are pinned to exact versions; pin them by
# digest too once your registry mirrors them. No secret is passed to the
# build (use `RUN --mount=type=secret` for a private registry's token).

FROM node:22.12.0-bookworm-slim AS build
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY . .

FROM node:22.12.0-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
# The uid and gid the platform runs pods as (`security run-as-user`).
USER 10001:10001
EXPOSE 8080
CMD ["node", "server.js"]
