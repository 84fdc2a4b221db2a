#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432), Redis (:6379) and RabbitMQ (:5672) run on this Debian machine:
# reachable -> nothing to do; installed -> started; missing -> apt-get installed (as root) and started.
#
#   exports=$(scripts/ensure-services.sh) && eval "$exports"   # prints `export …_URL=…` on stdout
#   . scripts/ensure-services.sh                                # (bash) exports the URLs into this shell
#
# A DATABASE_URL / REDIS_URL / AMQP_URL already set to another host or port is left alone: that service
# is someone else's to run. Human messages go to stderr; on failure it says what is missing and exits 1.

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
    _ensure_services_exports=$(bash "${BASH_SOURCE[0]}") || return
    eval "$_ensure_services_exports"
    unset _ensure_services_exports
    return 0
fi

set -euo pipefail
exec 3>&1 1>&2 # stdout is reserved for the export lines: everything else, tools included, goes to stderr

DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/nocturna}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
AMQP_URL=${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}

missing=()
apt_updated=false

say() { printf 'ensure-services: %s\n' "$*" >&2; }

# True when the URL names this machine on the default port, i.e. a server this script should manage.
is_local_default() {
    local url=$1 default_port=$2 authority host port
    authority=${url#*://}
    authority=${authority%%[/?]*}
    authority=${authority##*@}
    if [[ $authority == \[* ]]; then
        host=${authority%%]*} && host=${host#[} && port=${authority#*]} && port=${port#:}
    else
        host=${authority%%:*} && port=${authority#"$host"} && port=${port#:}
    fi
    [[ -z $host || $host == 127.0.0.1 || $host == localhost || $host == ::1 ]] && [[ -z $port || $port == "$default_port" ]]
}

tcp_open() { timeout 2 bash -c "exec 9<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

postgres_ready() { pg_isready -q -h 127.0.0.1 -p 5432 -t 2 >/dev/null 2>&1; }

redis_ready() {
    if command -v redis-cli >/dev/null; then
        [[ $(timeout 3 redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]
    else
        tcp_open 6379
    fi
}

rabbitmq_ready() {
    tcp_open 5672 || return 1
    # The Erlang cookie that rabbitmq-diagnostics needs is readable by root (and rabbitmq) only.
    if [[ $EUID -eq 0 ]] && command -v rabbitmq-diagnostics >/dev/null; then
        timeout 15 rabbitmq-diagnostics -q ping >/dev/null 2>&1
    fi
}

postgres_installed() { command -v pg_ctlcluster >/dev/null && [[ -n $(ls /etc/postgresql 2>/dev/null) ]]; }
redis_installed() { command -v redis-server >/dev/null; }
rabbitmq_installed() { command -v rabbitmq-server >/dev/null; }

start_postgres() {
    # One cluster per Debian image; the newest version wins should there be several.
    # shellcheck disable=SC2012 # the entries are version numbers
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
}
start_redis() {
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis
}
start_rabbitmq() { rabbitmq-server -detached; }

install_packages() {
    if ! command -v apt-get >/dev/null || [[ $EUID -ne 0 ]]; then
        return 1
    fi
    if ! $apt_updated; then
        say "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null || return 1
        apt_updated=true
    fi
    say "installing $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" </dev/null
}

wait_until() {
    local check=$1 seconds=$2 waited=0
    until "$check"; do
        ((waited >= seconds)) && return 1
        sleep 1
        waited=$((waited + 1))
    done
}

# ensure KEY NAME PACKAGE ENV_VAR DEFAULT_PORT WAIT_SECONDS: the service is reachable, or recorded as missing.
ensure() {
    local key=$1 name=$2 package=$3 env_var=$4 port=$5 wait_seconds=$6
    if ! is_local_default "${!env_var}" "$port"; then
        say "$name: $env_var points elsewhere, not managed here"
        return 0
    fi
    if "${key}_ready"; then
        say "$name: already running"
        return 0
    fi
    if ! "${key}_installed" && ! install_packages "$package"; then
        missing+=("$name is not installed and could not be (that needs root, apt-get and a package mirror): run \
'sudo apt-get install $package', or set $env_var to a server elsewhere.")
        return 0
    fi
    # A freshly installed package may have started its server already.
    if ! "${key}_ready"; then
        say "$name: starting"
        "start_${key}" || true
    fi
    if ! wait_until "${key}_ready" "$wait_seconds"; then
        missing+=("$name did not come up on 127.0.0.1:$port within ${wait_seconds}s: start it as root (its log is \
under /var/log), or set $env_var to a server elsewhere.")
        return 0
    fi
    say "$name: running"
}

# psql takes a libpq URL; the services may have been given a driver-qualified one.
psql_url() {
    local url=$1 database=$2 rest
    rest=${url#*://}
    printf 'postgresql://%s/%s' "${rest%%/*}" "$database"
}

database_name() {
    local rest=${DATABASE_URL#*://} path=""
    [[ $rest == */* ]] && path=${rest#*/} && path=${path%%\?*}
    printf '%s' "${path:-postgres}"
}

prepare_database() {
    local database admin
    database=$(database_name)
    admin=$(psql_url "$DATABASE_URL" postgres)
    if [[ ! $database =~ ^[A-Za-z0-9_]+$ ]]; then
        missing+=("the database name '$database' in DATABASE_URL is not a plain identifier.")
        return 0
    fi
    local -a psql_admin=(psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin")
    if ! "${psql_admin[@]}" -c 'SELECT 1' >/dev/null 2>&1 && [[ $EUID -eq 0 ]]; then
        psql_admin=(runuser -u postgres -- psql -X -q -t -A -v ON_ERROR_STOP=1 -d postgres)
    fi
    if [[ $("${psql_admin[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$database'") != 1 ]]; then
        say "PostgreSQL: creating database $database"
        "${psql_admin[@]}" -c "CREATE DATABASE \"$database\"" || {
            missing+=("could not create the database '$database': create it, or fix DATABASE_URL's credentials.")
            return 0
        }
    fi
    local available
    available=$("${psql_admin[@]}" -c \
        "SELECT count(*) FROM pg_available_extensions WHERE name IN ('pg_trgm', 'unaccent')" || echo 0)
    if [[ $available != 2 ]]; then
        missing+=("PostgreSQL lacks the pg_trgm and unaccent extensions: install postgresql-contrib \
(part of Debian's postgresql-<version> package).")
    fi
}

ensure postgres PostgreSQL postgresql DATABASE_URL 5432 60
if is_local_default "$DATABASE_URL" 5432 && postgres_ready; then
    prepare_database
fi
ensure redis Redis redis-server REDIS_URL 6379 30
ensure rabbitmq RabbitMQ rabbitmq-server AMQP_URL 5672 90

if ((${#missing[@]})); then
    say "cannot provide every service:"
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
fi

printf 'export DATABASE_URL=%q\nexport REDIS_URL=%q\nexport AMQP_URL=%q\n' \
    "$DATABASE_URL" "$REDIS_URL" "$AMQP_URL" >&3
