#!/usr/bin/env bash
# The dev fleet's gateway checks API keys by asking auth as a service client. This makes sure one exists and
# prints its credentials as `export EDGE_AUTH__SERVICE_CLIENT_ID=… EDGE_AUTH__SERVICE_CLIENT_SECRET=…` lines:
#
#   exports=$(scripts/gateway-client.sh) && eval "$exports"    # after scripts/migrate.sh (run.sh does this)
#
# The credentials are kept in a git-ignored file (NOCTURNA_GATEWAY_CLIENT_FILE, default
# .nocturna/gateway-client.env, mode 600) and reused while auth's database still knows the client, enabled;
# otherwise (first start, database dropped, client disabled) a new client is created and the file rewritten.
# EDGE_AUTH__SERVICE_CLIENT_ID already set in the environment wins: nothing is created, nothing printed.
# Needs DATABASE_URL (auth's database) and psql; human messages go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 3>&1 1>&2 # stdout carries only the export lines

say() { printf 'gateway-client: %s\n' "$*" >&2; }

if [[ -n "${EDGE_AUTH__SERVICE_CLIENT_ID:-}" ]]; then
    say "EDGE_AUTH__SERVICE_CLIENT_ID is set in the environment: using it"
    exit 0
fi
file=${NOCTURNA_GATEWAY_CLIENT_FILE:-.nocturna/gateway-client.env}
: "${DATABASE_URL:?DATABASE_URL (auth database) is required}"
psql_url=${DATABASE_URL/+asyncpg/}

stored_id() { sed -n 's/^export EDGE_AUTH__SERVICE_CLIENT_ID=//p' "$file" 2>/dev/null | tr -d "'"; }

known_to_auth() {
    local id=$1
    [[ $id =~ ^[0-9a-f-]{36}$ ]] || return 1
    [[ $(psql "$psql_url" --no-psqlrc -tAq -v ON_ERROR_STOP=1 \
        -c "SELECT count(*) FROM auth.service_clients WHERE id = '$id' AND disabled_at IS NULL") == 1 ]]
}

id=$(stored_id || true)
if [[ -n $id ]] && known_to_auth "$id"; then
    cat "$file" >&3
    exit 0
fi
[[ -n $id ]] && say "auth no longer knows client $id: creating a new one"
created=$(.venv/bin/nocturna-auth create-service-client gateway)
new_id=$(sed -n 's/^client_id: //p' <<<"$created")
new_secret=$(sed -n 's/^client_secret: //p' <<<"$created")
if [[ -z $new_id || -z $new_secret ]]; then
    say "create-service-client printed no client_id/client_secret"
    exit 1
fi
mkdir -p "$(dirname "$file")"
(
    umask 077
    printf "export EDGE_AUTH__SERVICE_CLIENT_ID='%s'\nexport EDGE_AUTH__SERVICE_CLIENT_SECRET='%s'\n" \
        "$new_id" "$new_secret" >"$file.tmp"
)
mv "$file.tmp" "$file"
say "created service client $new_id for the gateway (kept in $file)"
cat "$file" >&3
