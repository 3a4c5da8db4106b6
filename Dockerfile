# The mlcycle image: one for the worker and the serving replicas (docker-compose.yml gives each its command).
FROM node:20-bookworm-slim

# ONNXRUNTIME_NODE_INSTALL=skip: this image's npm 10 runs every install script, and onnxruntime-node's would download
# CUDA libraries (the CPU runtime ships inside the package); .ci/run and bin/ensure-install.js set it too.
ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip \
    MLCYCLE_STATE_DIR=/var/lib/mlcycle

WORKDIR /app

# The committed lock, production packages only (tsx, which runs the TypeScript sources, is one of them).
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The sources (.dockerignore leaves out node_modules, state, tools, tests and benchmarks), owned by root: read-only at run time.
COPY . .

# State (workflow bundle cache, reports, the local artifact cache, spill files): each container's own volume.
RUN mkdir -p /var/lib/mlcycle && chown node:node /var/lib/mlcycle
VOLUME ["/var/lib/mlcycle"]

# node: the unprivileged user of the official Node image (uid 1000).
USER node
EXPOSE 8787 9464
CMD ["node", "--import", "tsx", "worker/main.ts"]
