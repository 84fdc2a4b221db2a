#!/usr/bin/env bash
# Upgrade every service's schema to head (each service owns its own Alembic history).
set -euo pipefail
cd "$(dirname "$0")/.."
for service in auth subscription chart geocoding; do
    echo "migrating $service" >&2
    ".venv/bin/nocturna-$service" migrate
done
