#!/bin/sh
# docker-compose's temporal-schema service: Temporal's two databases and their schemas on PostgreSQL, safe to run again.
# Runs in temporalio/admin-tools; temporal-sql-tool reads SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD and SQL_PLUGIN.
set -eu
: "${SQL_HOST:?SQL_HOST is not set}" "${SQL_USER:?SQL_USER is not set}" "${SQL_PASSWORD:?SQL_PASSWORD is not set}"
export SQL_PORT="${SQL_PORT:-5432}" SQL_PLUGIN="${SQL_PLUGIN:-postgres12}"
# The admin-tools image keeps the server's schema files here (TEMPORAL_SCHEMA_DIR: another copy, e.g. the Go module's).
SCHEMAS=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}

# temporal-sql-tool's create-database fails when the database exists: ask PostgreSQL first.
exists() {
  PGPASSWORD="$SQL_PASSWORD" psql -h "$SQL_HOST" -p "$SQL_PORT" -U "$SQL_USER" -d postgres -tA \
    -c "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -qx 1
}

for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*}
  dir=$SCHEMAS/${pair#*:}/versioned
  if exists "$db"; then echo "database $db exists"; else temporal-sql-tool --db "$db" create-database; fi
  # setup-schema -v 0.0 only records version 0.0 on a new database; update-schema applies the versions not yet applied.
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "$dir"
done
echo "Temporal schemas are up to date"
