#!/usr/bin/env bash
# `make run`: infrastructure up, schemas at head, then the fleet under honcho until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
exports=$(scripts/ensure-services.sh)
eval "$exports"
export DATABASE_URL REDIS_URL AMQP_URL
scripts/migrate.sh
echo "Nocturna gateway: http://127.0.0.1:${GATEWAY_PORT:-8000}  (OpenAPI of a service: /docs on its own port)" >&2
exec .venv/bin/honcho -f Procfile start
