#!/bin/sh
# Run once by Patroni on the first primary (bootstrap.post_bootstrap): the service's role and
# database. $1 is a connection string to the new cluster as the superuser.
set -eu
psql -v ON_ERROR_STOP=1 -d "$1" \
     -c "CREATE ROLE liquidity LOGIN PASSWORD '${LIQ_DB_PASSWORD:-liquidity}'" \
     -c "CREATE DATABASE liquidity OWNER liquidity"
