#!/usr/bin/env bash
# `make run`: infrastructure up, schemas at head, the gateway's service client, then the fleet under honcho
# until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
exports=$(scripts/ensure-services.sh)
eval "$exports"
export DATABASE_URL REDIS_URL AMQP_URL
scripts/migrate.sh
# The gateway's service client (API keys are introspected with it): created once, kept in .nocturna/.
client_exports=$(scripts/gateway-client.sh)
eval "$client_exports"
echo "Nocturna gateway: http://127.0.0.1:${GATEWAY_PORT:-8000}  (OpenAPI of a service: /docs on its own port)" >&2
exec .venv/bin/honcho -f Procfile start
