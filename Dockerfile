# syntax=docker/dockerfile:1
# Välittäjä as a container, for Azure Container Apps, App Service for Containers or a county's own
# Kubernetes. Build: docker build -t valittaja .   Run: see docs/deployment.md (the image needs
# MONGODB_URI and the bot's credentials; it listens on PORT, 3978 by default).
#
# Three stages: `build` compiles TypeScript with the dev dependencies; `deps` installs the
# production dependencies only; the final image has node, those dependencies, dist/, cards/ and
# config/, owned by root and run as the unprivileged `node` user, so the process cannot change
# its own code.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: no install script is needed to compile (and none runs with foreign code).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# The production dependencies exactly as locked. The two install scripts in that tree are
# optional (restify's dtrace-provider, a native probe; a clean-up in botbuilder-dialogs that
# needs the dev-only rimraf); test/integration/production-start.test.ts starts the bot from
# such a tree.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    PORT=3978
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY cards ./cards
COPY config ./config
USER node
EXPOSE 3978
# Liveness only (the process answers); /readyz, which also asks the database, is for the
# orchestrator's readiness probe. node:*-slim has no curl: node's own fetch asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3978)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node as PID 1, not npm: the SIGTERM of `docker stop` or Kubernetes reaches the bot, which then
# drains (src/index.ts). Give it SHUTDOWN_GRACE_SECONDS (20) plus a little: docker stop -t 30.
STOPSIGNAL SIGTERM
CMD ["node", "dist/index.js"]
