# Base image, pinned by digest: a rebuild gets the same bytes, and a tag moved upstream cannot
# change the image unnoticed. Bump it deliberately, after reading what changed:
#   docker buildx imagetools inspect node:20-bookworm-slim   # the tag's current index digest
# NOT VERIFIED HERE: this digest could not be read from Docker Hub where this file was written
# (no registry access). It is the node:20-bookworm-slim index digest that several unrelated public
# projects pin; check it with the command above before the first release build.
ARG NODE_IMAGE=node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

# Build: compile TypeScript and the native SQLite binding, then keep production dependencies only.
FROM ${NODE_IMAGE} AS build
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
COPY lib ./lib
RUN npm run build && npm prune --omit=dev

# Run: no compilers, no dev dependencies, not root. The image holds no accounts: the demo's
# users (with their published password) and config stay out; mount stepgate.yaml, its policy and
# its users file (or use LDAP, SAML or OpenID Connect) under /etc/stepgate (docs/production.md).
FROM ${NODE_IMAGE}
ENV NODE_ENV=production STEPGATE_CONFIG=/etc/stepgate/stepgate.yaml
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/config/policy.example.yaml /app/config/stepgate.example.yaml /app/config/stepgate.production.yaml /app/config/stepgate.schema.json /app/config/policy.schema.json ./config/
RUN mkdir -p /var/lib/stepgate && chown node:node /var/lib/stepgate
USER node
EXPOSE 8080
VOLUME ["/var/lib/stepgate"]
# Asks GET <server.base_path>/healthz at the address server.listen names, both read from the
# mounted config: nothing here repeats a port or a path.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
  CMD ["node", "dist/bin/stepgate.js", "healthcheck"]
ENTRYPOINT ["node", "dist/bin/stepgate.js"]
CMD ["serve"]
