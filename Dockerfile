# syntax=docker/dockerfile:1
# Build: compile TypeScript and the native SQLite binding, then keep production dependencies only.
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY gateway ./gateway
COPY adapters ./adapters
COPY policies ./policies
COPY config ./config
RUN npm run build && npm prune --omit=dev

# Run: no compilers, no dev dependencies, not root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production STEPGATE_CONFIG=/etc/stepgate/stepgate.yaml
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/config/*.yaml /app/config/*.json ./config/
RUN mkdir -p /var/lib/stepgate && chown node:node /var/lib/stepgate
USER node
EXPOSE 8080
VOLUME ["/var/lib/stepgate"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/_stepgate/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/bin/stepgate.js"]
CMD ["serve"]
