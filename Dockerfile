# Container image for gong-flows-server, the gRPC facade over Gong's REST API.
#
#   docker build -t gong-flows-server:dev .
#   docker run --rm -p 50051:50051 -p 9464:9464 \
#     -e GONG_ACCESS_KEY -e GONG_ACCESS_KEY_SECRET gong-flows-server:dev
#
# Configuration comes from GONG_FLOWS_* environment variables (one per flag,
# e.g. GONG_FLOWS_QUOTA_REDIS=redis://HOST:PORT for the quota shared by all
# replicas, with GONG_FLOWS_QUOTA_KEY and GONG_FLOWS_QUOTA_FALLBACK_QPS) and
# the credentials from GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET or
# GONG_BEARER_TOKEN, the shared quota's Redis password from
# GONG_FLOWS_QUOTA_REDIS_PASSWORD (environment only, never a flag); see
# docs/deployment.md. scripts/check-deploy checks the properties below that a
# regression must not lose.

# Both stages use the same Debian release on purpose: the runtime stage
# installs the shared libraries by their Debian 12 package names, and those
# must be the very ABI the build stage linked against (libgrpc++1.51,
# libprotobuf32, libabsl20220623 ... exist under these names in bookworm
# only). Pin the tag to a digest in your registry for reproducible builds.
FROM debian:bookworm-slim AS build

WORKDIR /src
# The package installation depends on this one script only; copying it
# before the sources keeps that slow layer cached across source edits.
# Only its build group: the image is built without the tests (below), so
# the test frameworks, clang, Node.js and the Python packages would only
# slow this stage down.
COPY scripts/install-deps scripts/install-deps
RUN scripts/install-deps build && rm -rf /var/lib/apt/lists/*

# .dockerignore keeps build*/ out, so the CMake cache of the developer's
# checkout (which names its absolute paths) never reaches this stage.
COPY . .
# Release: the image runs the optimized binary without debug info.
# -DBUILD_TESTING=OFF: the configure step then looks for none of the test
# packages the build group leaves out, and the tree holds only the server,
# the protos and the CLI.
# flow_service_descriptor is the descriptor set of the public API that
# Envoy's gRPC-JSON transcoder reads; it ships in the image so operators can
# take the one that matches the binary (see docs/deployment.md).
RUN BUILD_TYPE=Release CMAKE_ARGS=-DBUILD_TESTING=OFF \
      scripts/build gong-flows-server flow_service_descriptor

FROM debian:bookworm-slim AS runtime

# Only the runtime libraries the binary links against, found with
# `ldd build/bin/gong-flows-server` and `dpkg -S` on each library:
#   libgrpc++1.51      libgrpc++.so.1.51, libgrpc++_reflection.so.1.51
#   libgrpc29          libgrpc.so.29, libgpr.so.29 (+ libupb, c-ares, re2 via Depends)
#   libprotobuf32      libprotobuf.so.32
#   libabsl20220623    the libabsl_*.so.20220623 (flags, status, time, random...)
#   libcurl4           libcurl.so.4, the client of Gong's REST API (OpenSSL flavour,
#                      as libcurl4-openssl-dev links; pulls nghttp2)
#   libssl3            libssl.so.3, libcrypto.so.3: the CA bundle check at start-up
#                      and the ALPN of a Gong connection (also curl's TLS)
#   libprometheus-cpp-core1.0
#                      the metrics and their text format
#   libevent-2.1-7     libevent-2.1.so.7, the /metrics HTTP server and the loop
#                      of the Redis client
#   libhiredis0.14     libhiredis.so.0.14, the client of the Redis that holds the
#                      quota shared by all replicas (--quota_redis)
#   libjemalloc2       libjemalloc.so.2, the allocator the server runs on
#   ca-certificates    the system CA bundle libcurl verifies Gong's certificate with
# libc6, libstdc++6 and libgcc-s1 are already in the base image. Packages
# that apt pulls in as Depends are left to apt.
# --no-install-recommends keeps out what the binary does not use.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates \
      libabsl20220623 \
      libcurl4 \
      libevent-2.1-7 \
      libgrpc++1.51 \
      libgrpc29 \
      libhiredis0.14 \
      libjemalloc2 \
      libprometheus-cpp-core1.0 \
      libprotobuf32 \
      libssl3 \
 && rm -rf /var/lib/apt/lists/*

# A fixed numeric UID/GID: Kubernetes' runAsNonRoot can only verify a
# numeric USER, and file permissions on mounted Secrets (fsGroup) need a
# known group. No home directory and no login shell: nothing logs in.
RUN groupadd --system --gid 10001 gongflows \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin gongflows

COPY --from=build /src/build/bin/gong-flows-server /usr/local/bin/gong-flows-server
COPY --from=build /src/build/flow_service.binpb /usr/local/share/gong-flows/flow_service.binpb

# Fail the image build, not the first pod start, when a library the binary
# needs is missing from the list above (for example after a new dependency).
RUN if ldd /usr/local/bin/gong-flows-server | grep -F 'not found'; then \
      echo 'gong-flows-server: shared libraries missing from the runtime stage' >&2; \
      exit 1; \
    fi

USER 10001:10001

# 50051: gRPC (FlowService, grpc.health.v1, reflection).
# 9464: Prometheus metrics at /metrics.
EXPOSE 50051 9464

# No HEALTHCHECK: Kubernetes probes grpc.health.v1 natively on 50051, and a
# Docker HEALTHCHECK would need a client binary in the image for nothing.

# SIGTERM is the default stop signal, stated because the drain depends on
# it: the server turns its health NOT_SERVING, serves on for --drain_delay,
# then finishes calls in flight within --shutdown_grace and exits 0.
STOPSIGNAL SIGTERM

# Exec form, so the server is PID 1 and receives SIGTERM itself (no shell in
# between to swallow it). No init process is needed: the server blocks
# SIGTERM/SIGINT and collects them with sigwait, which the kernel delivers
# to PID 1 as well, and it starts no child processes to reap.
ENTRYPOINT ["/usr/local/bin/gong-flows-server"]
