#!/usr/bin/env bash
# Upgrade every service's schema to head (each service owns its own Alembic history), then load reference
# data: the geocoding seed loads GeoNames on first start and is a quick no-op once the dataset is loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
for service in auth subscription chart geocoding; do
    echo "migrating $service" >&2
    ".venv/bin/nocturna-$service" migrate
done
echo "seeding geocoding places (first start only)" >&2
.venv/bin/nocturna-geocoding seed
