-- One Postgres role per service that may use only its own schema (DESIGN.md §1, libs/platform/README.md).
-- Run by a database administrator against the Nocturna database; idempotent, so it runs on every deploy:
--
--   psql "$ADMIN_URL" -v ON_ERROR_STOP=1 -v role_prefix=nocturna_ \
--        [-v auth_password=… -v chart_password=… -v subscription_password=… -v geocoding_password=…] \
--        -f deploy/helm/nocturna/files/postgres-roles.sql
--
-- A password given sets (or rotates) that role's password; without one the role's password is left alone
-- (an operator such as CloudNativePG manages it). Each role gets USAGE and CREATE on its schema: its
-- migrations create the tables, so the role owns them. Extensions need CREATE on the database, which the
-- roles do not get, so the administrator installs the ones geocoding uses into its schema here.
\set ON_ERROR_STOP on
\if :{?role_prefix}
\else
\set role_prefix nocturna_
\endif

REVOKE CREATE ON SCHEMA public FROM PUBLIC;

SELECT format('CREATE ROLE %I LOGIN', :'role_prefix' || service)
FROM unnest(ARRAY['auth', 'chart', 'subscription', 'geocoding']) AS service
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role_prefix' || service)
\gexec

SELECT format('CREATE SCHEMA IF NOT EXISTS %I', service),
       format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', service, :'role_prefix' || service),
       format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'role_prefix' || service)
FROM unnest(ARRAY['auth', 'chart', 'subscription', 'geocoding']) AS service
\gexec

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA geocoding;
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA geocoding;

\if :{?auth_password}
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'role_prefix' || 'auth', :'auth_password') \gexec
\endif
\if :{?chart_password}
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'role_prefix' || 'chart', :'chart_password') \gexec
\endif
\if :{?subscription_password}
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'role_prefix' || 'subscription', :'subscription_password') \gexec
\endif
\if :{?geocoding_password}
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'role_prefix' || 'geocoding', :'geocoding_password') \gexec
\endif
