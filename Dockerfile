# syntax=docker/dockerfile:1.7
# One image for every ECP process; docker-compose.yml chooses the process with the command.
# ECP runs its TypeScript through tsx's loader (esbuild), so there is no emit step to run here; the one
# build is the dashboard's pages.

FROM node:20.20-bookworm-slim AS manifests
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# Manifests first, so dependency layers are reused when only sources change.
COPY package.json package-lock.json ./
COPY packages/agent-sdk/package.json packages/agent-sdk/
COPY packages/cli/package.json packages/cli/
COPY packages/config/package.json packages/config/
COPY packages/db/package.json packages/db/
COPY packages/errors/package.json packages/errors/
COPY packages/events/package.json packages/events/
COPY packages/identity/package.json packages/identity/
COPY packages/jobs/package.json packages/jobs/
COPY packages/jurisdictions/package.json packages/jurisdictions/
COPY packages/ledger-format/package.json packages/ledger-format/
COPY packages/logging/package.json packages/logging/
COPY packages/merkle/package.json packages/merkle/
COPY packages/platform/package.json packages/platform/
COPY packages/scoring/package.json packages/scoring/
COPY packages/service-kit/package.json packages/service-kit/
COPY packages/shutdown/package.json packages/shutdown/
COPY packages/telemetry/package.json packages/telemetry/
COPY packages/test-kit/package.json packages/test-kit/
COPY subgraphs/ledger/package.json subgraphs/ledger/
COPY subgraphs/advisory/package.json subgraphs/advisory/
COPY subgraphs/learning-consortium/package.json subgraphs/learning-consortium/
COPY subgraphs/operations/package.json subgraphs/operations/
COPY gateway/package.json gateway/
COPY workers/package.json workers/
COPY schema/package.json schema/
COPY migrations/package.json migrations/
COPY dashboard-client/package.json dashboard-client/
COPY test/package.json test/
COPY bench/package.json bench/
COPY layers/package.json layers/

FROM manifests AS deps
RUN npm ci --omit=dev

# The pages the gateway serves (/ and /playground), built with Vite, a development dependency: the
# tools stay in this stage and only dashboard-client/dist goes into the image.
FROM manifests AS dashboard
RUN npm ci
COPY tsconfig.base.json ./
COPY packages packages
COPY dashboard-client dashboard-client
RUN npm run build -w @ecp/dashboard-client

FROM node:20.20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    LOG_FORMAT=json \
    APOLLO_TELEMETRY_DISABLED=true
# Installed dependencies, including any a workspace keeps in its own node_modules, then the sources
# (.dockerignore keeps local node_modules out of the context, so nothing installed is overwritten).
COPY --from=deps /app ./
COPY . .
COPY --from=dashboard /app/dashboard-client/dist ./dashboard-client/dist
RUN chown -R node:node /app
USER node
# The gateway by default; compose overrides the command for the other processes.
EXPOSE 4000
CMD ["node", "--import", "tsx", "gateway/src/main.ts"]
