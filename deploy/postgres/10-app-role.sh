#!/bin/sh
# Run once by the postgres image, on an empty data directory, as POSTGRES_USER (the owner of the
# database and of every table: `migrate` connects as it). Creates o2r_app, the role web, worker
# and beat connect as: it owns nothing, and `python manage.py grant_app_role o2r_app` (run by the
# migrate service after each migrate) gives it its rights. On an existing volume, run this SQL
# by hand (README, "Running in production").
set -eu

: "${O2R_APP_DB_PASSWORD:?set O2R_APP_DB_PASSWORD in .env}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set app_password="$O2R_APP_DB_PASSWORD" --set db="$POSTGRES_DB" <<'SQL'
CREATE ROLE o2r_app LOGIN PASSWORD :'app_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO o2r_app;
SQL
