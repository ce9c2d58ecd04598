#!/bin/sh
# Container entrypoint of this app (the Dockerfile installs it as /usr/local/bin/entrypoint.sh).
# The logic (wait for the database, migrate when RUN_MIGRATIONS=true, exec the app) lives once,
# in shared/ops/entrypoint.sh, which every image carries at /app/shared/ops/entrypoint.sh.
# exec keeps this process's PID, so the app still ends up as PID 1.
exec /app/shared/ops/entrypoint.sh "$@"
