# syntax=docker/dockerfile:1.7
# One image recipe for every Nocturna service.
#
#   docker build -t nocturna:dev .                                    # the fleet image: all five services
#   docker build -t nocturna-chart:dev --build-arg SERVICE=chart .    # one service only (smaller)
#
# Run: `docker run nocturna-chart:dev` serves; `... migrate`, `... seed`, `... replay-dlq <queue>` and the
# other operator commands are modes of deploy/docker/entrypoint.sh. The fleet image serves the service named
# by NOCTURNA_SERVICE. Digest pinning: CI resolves PYTHON_IMAGE to `python:<version>-slim-trixie@sha256:…`
# when it builds a release (`--build-arg PYTHON_IMAGE=…`); the tag below pins the Python and Debian versions.
ARG PYTHON_IMAGE=python:3.11.14-slim-trixie

FROM ${PYTHON_IMAGE} AS builder
ARG SERVICE=all
ARG UV_VERSION=0.13.9
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy
RUN python -m pip install "uv==${UV_VERSION}"
WORKDIR /app
COPY requirements.lock ./
COPY contracts ./contracts
COPY libs ./libs
COPY services ./services
# requirements.lock pins every package of the workspace (dev tools too); used as constraints it fixes the
# version of each runtime dependency while only the chosen service's dependency tree is installed. The
# workspace packages are installed editable so each service finds its Alembic migrations beside its source.
# ${editable} is a word list on purpose.
# hadolint ignore=SC2086
RUN set -eux; \
    case "${SERVICE}" in \
        all) services="auth chart subscription geocoding gateway" ;; \
        auth|chart|subscription|geocoding|gateway) services="${SERVICE}" ;; \
        *) echo "SERVICE must be all, auth, chart, subscription, geocoding or gateway" >&2; exit 1 ;; \
    esac; \
    grep -v '^-e ' requirements.lock > /tmp/constraints.txt; \
    uv venv --python /usr/local/bin/python3.11 /opt/venv; \
    editable=""; for service in ${services}; do editable="${editable} -e ./services/${service}"; done; \
    VIRTUAL_ENV=/opt/venv uv pip install --compile-bytecode --constraint /tmp/constraints.txt \
        -e ./contracts -e ./libs/platform ${editable}; \
    for service in auth chart subscription geocoding gateway; do \
        case " ${services} " in *" ${service} "*) ;; *) rm -rf "./services/${service}" ;; esac; \
    done; \
    rm -rf ./services/*/tests ./services/*/bench.py ./contracts/tests ./libs/platform/tests; \
    /opt/venv/bin/python -m compileall -q /app; \
    printf '%s\n' ${services} > /app/SERVICES

FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE=all
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="nocturna-${SERVICE}" \
      org.opencontainers.image.description="Nocturna astrology SaaS backend: ${SERVICE} service(s)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="AGPL-3.0-or-later" \
      org.opencontainers.image.source="https://github.com/nocturna/nocturna" \
      org.opencontainers.image.vendor="Nocturna"
# tzdata: the IANA database with pre-1970 history (chart resolves birth times with it); tracked, not pinned,
# so that Debian's timezone updates arrive with every rebuild.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 nocturna \
    && useradd --system --uid 10001 --gid nocturna --home-dir /tmp --no-create-home --shell /usr/sbin/nologin nocturna
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
COPY --chmod=0755 deploy/docker/entrypoint.sh /usr/local/bin/nocturna-entrypoint
COPY --chmod=0644 deploy/docker/healthcheck.py /usr/local/lib/nocturna/healthcheck.py
# Read-only root filesystem: bytecode is compiled at build time, HOME and temporary files live in /tmp.
ENV PATH=/opt/venv/bin:${PATH} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    TZ=UTC \
    NOCTURNA_SERVICE=${SERVICE} \
    HTTP__HOST=0.0.0.0
WORKDIR /app
USER 10001:10001
EXPOSE 8000 8001 8002 8003 8004
HEALTHCHECK --interval=15s --timeout=4s --start-period=30s --retries=3 \
    CMD ["python", "/usr/local/lib/nocturna/healthcheck.py"]
ENTRYPOINT ["nocturna-entrypoint"]
CMD ["serve"]
