# syntax=docker/dockerfile:1
# Build stage: compile better-sqlite3 and the TypeScript, then drop dev dependencies.
FROM node:24-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

# Runtime stage: the compiled app, its production node_modules, views and public files.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    ORCHARD_DB=/data/orchard.db \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY views ./views
COPY public ./public
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# Memory flags as in `npm start` (see README "Memory").
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=160", "--expose-gc", "dist/src/server.js"]
