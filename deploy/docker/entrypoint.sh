#!/bin/sh
# Entrypoint of the Nocturna image. The service comes from NOCTURNA_SERVICE (baked in by `--build-arg
# SERVICE=…`; the fleet image, SERVICE=all, needs it at run time). Modes:
#   serve                      serve HTTP, consume events, relay the outbox (default)
#   migrate                    upgrade the schema to head; in the fleet image with NOCTURNA_SERVICE=all,
#                              every service that owns a schema, in dependency order
#   seed [--force]             load the geocoding places (a no-op once loaded)
#   setup                      migrate, provision the gateway's service client when
#                              GATEWAY_SERVICE_CLIENT_ID and GATEWAY_SERVICE_CLIENT_SECRET are set
#                              (idempotent), then seed: the one-shot job of docker-compose (each service
#                              as its own role when DATABASE_URL_AUTH, DATABASE_URL_CHART, … are set)
#   downgrade <rev> | replay-dlq <queue> [--limit N]                     every service
#   create-admin … | create-service-client … | rotate-signing-keys      auth
#   reseal [--batch-size N]                                              chart
#   help                       this text
set -eu

installed() { cat "${NOCTURNA_HOME:-/app}/SERVICES"; }

is_installed() { installed | grep -qx "$1"; }

service_cli() {
    service=${NOCTURNA_SERVICE:-all}
    if [ "$service" = all ]; then
        echo "nocturna: set NOCTURNA_SERVICE to one of: $(installed | tr '\n' ' ')" >&2
        exit 64
    fi
    if ! is_installed "$service"; then
        echo "nocturna: this image holds $(installed | tr '\n' ' ')- not $service" >&2
        exit 64
    fi
    echo "nocturna-$service"
}

migrate() {
    if [ "${NOCTURNA_SERVICE:-all}" != all ]; then
        cli=$(service_cli)
        exec "$cli" migrate
    fi
    # Owners of schemas; the gateway has none. Each migrates as its own Postgres role when
    # DATABASE_URL_<SERVICE> is given (tables belong to the role that created them), else with DATABASE_URL.
    for service in auth subscription chart geocoding; do
        if is_installed "$service"; then
            echo "nocturna: migrating $service" >&2
            own_url=$(printenv "DATABASE_URL_$(echo "$service" | tr '[:lower:]' '[:upper:]')" || true)
            if [ -n "$own_url" ]; then
                DATABASE_URL=$own_url "nocturna-$service" migrate
            else
                "nocturna-$service" migrate
            fi
        fi
    done
}

provision_gateway_client() {
    [ -n "${GATEWAY_SERVICE_CLIENT_ID:-}" ] && [ -n "${GATEWAY_SERVICE_CLIENT_SECRET:-}" ] || return 0
    is_installed auth || return 0
    echo "nocturna: provisioning the gateway's service client" >&2
    # The secret travels in the environment, never as an argument (process lists show arguments).
    DATABASE_URL=${DATABASE_URL_AUTH:-${DATABASE_URL:-}} SERVICE_CLIENT_SECRET=$GATEWAY_SERVICE_CLIENT_SECRET \
        nocturna-auth create-service-client gateway --client-id "$GATEWAY_SERVICE_CLIENT_ID"
}

seed() {
    is_installed geocoding || { echo "nocturna: seed needs the geocoding service in the image" >&2; exit 64; }
    if [ -n "${DATABASE_URL_GEOCODING:-}" ]; then
        DATABASE_URL=$DATABASE_URL_GEOCODING exec nocturna-geocoding seed "$@"
    fi
    exec nocturna-geocoding seed "$@"
}

mode=${1:-serve}
[ "$#" -gt 0 ] && shift
case "$mode" in
    serve)
        cli=$(service_cli)
        exec "$cli" serve ;;
    migrate)
        migrate ;;
    seed)
        seed "$@" ;;
    setup)
        (migrate)
        provision_gateway_client
        seed "$@" ;;
    downgrade | replay-dlq | create-admin | create-service-client | rotate-signing-keys | reseal)
        cli=$(service_cli)
        exec "$cli" "$mode" "$@" ;;
    help | --help | -h)
        sed -n '2,/^set -eu/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' ;;
    *)
        echo "nocturna: unknown mode '$mode' (try: help)" >&2
        exit 64 ;;
esac
