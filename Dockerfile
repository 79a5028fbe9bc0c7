# Hearth container image: build with the official Swift image, run on debian:bookworm-slim.
#
#   docker build -t hearth .
#   docker run --rm -p 8080:8080 -v "$PWD/models:/models:ro" \
#       -e HEARTH_MODEL=/models/SmolLM2-135M-Instruct.Q4_1.gguf hearth --kv-cache-memory 512MiB
#
# Settings are HEARTH_* variables (-e) or flags after the image name, appended to `hearth serve`;
# `hearth serve --help` lists every key. A config file can be mounted and named with HEARTH_CONFIG.
# The binary's C kernels are compiled for x86-64-v3 (Package.swift), so the image needs an x86-64 CPU
# with AVX2/FMA/F16C (Haswell, Zen 1 or newer).

# The 6.3 line is what the project builds and tests with (Package.swift needs tools 6.0 or newer).
# Both stages are Debian 12 (bookworm), so the apt package names below match between them.
ARG SWIFT_IMAGE=swift:6.3-bookworm

FROM ${SWIFT_IMAGE} AS build
# Versions are not pinned: Debian's security updates replace a package's version in the archive, and a
# pin to a superseded version makes the build fail. bookworm itself is the pin.
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# Dependencies first, so editing Sources/ does not refetch them (Package.resolved is used when present).
COPY Package.* ./
RUN swift package resolve
COPY Sources ./Sources
# SwiftPM checks every target's directory when it loads the package, test targets included.
COPY Tests ./Tests
# --static-swift-stdlib links the Swift runtime and Foundation into the binary, so the runtime image
# needs no Swift toolchain libraries; only OpenSSL stays dynamic (a system package). The matrix kernels pick
# AVX2 or AVX-512 at run time, so the image is not tied to the build host's CPU (x86-64-v3 is the minimum).
RUN swift build -c release --product hearth --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/hearth" /out/hearth

FROM debian:bookworm-slim
# libssl3: OpenSSL. curl: the HEALTHCHECK below
# (hearth itself is not an HTTP client). Unpinned for the reason given in the build stage.
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libssl3 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 hearth \
    && useradd --system --uid 10001 --gid hearth --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin hearth \
    && install -d -o hearth -g hearth /models

COPY --from=build /out/hearth /usr/local/bin/hearth
# Swift's crash backtracer: a statically linked binary cannot find it next to a toolchain, so it is
# copied in and named in SWIFT_BACKTRACE; a crash then logs a symbolicated backtrace of every thread.
COPY --from=build /usr/libexec/swift/linux/swift-backtrace-static /usr/local/libexec/swift-backtrace
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/libexec/swift-backtrace

# Mount the GGUF files here (read-only is enough); HEARTH_MODEL names the one to serve. Listening on every
# interface is right inside a container (the port is only reachable where it is published).
VOLUME ["/models"]
ENV HEARTH_MODEL=/models/model.gguf \
    HEARTH_HOST=0.0.0.0 \
    HEARTH_PORT=8080

USER 10001:10001
EXPOSE 8080

# Loading dequantizes the weights to f32 (seconds for a 0.5B model, longer for big ones); /health
# answers 503 until then, so the start period is generous. HEALTHCHECK is for plain docker; Kubernetes
# ignores it and uses the probes in deploy/kubernetes/deployment.yaml.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/health"]

# Exec form: hearth is PID 1 and gets SIGTERM itself (it drains in-flight requests, then exits 0).
ENTRYPOINT ["hearth", "serve"]
CMD []
