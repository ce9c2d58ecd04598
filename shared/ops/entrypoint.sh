#!/bin/sh
# Rose Ash container entrypoint, the one copy for all six apps: each <app>/entrypoint.sh is a
# one-line `exec` of this file, which every image carries as /app/shared/ops/entrypoint.sh
# (the images keep the workspace layout: /app/shared, /app/<app>).
#
#   1. wait until PostgreSQL at DATABASE_URL accepts connections (WAIT_FOR_DB_TIMEOUT seconds,
#      default 60; Swarm ignores depends_on, so the database may still be starting);
#   2. when RUN_MIGRATIONS=true (the blog only), apply the migrations in MIGRATIONS_DIR with
#      shared/src/db/migrate-cli.ts, run by Node itself (it strips the types);
#   3. exec the command (the app), so it runs as PID 1 and receives SIGTERM directly.
set -eu

# The shared package this script belongs to (it lives in <shared>/ops/), found from the
# script's own path so that nothing depends on the working directory (CDPATH emptied so
# that cd prints nothing into the substitution).
shared_dir=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd -P)

log() {
  printf '%s entrypoint[%s]: %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "${APP_NAME:-app}" "$*" >&2
}

if [ -z "${DATABASE_URL:-}" ]; then
  log "DATABASE_URL is not set; refusing to start (set it in .env)"
  exit 1
fi

timeout="${WAIT_FOR_DB_TIMEOUT:-60}"
case "$timeout" in
  '' | *[!0-9]*)
    log "WAIT_FOR_DB_TIMEOUT must be a whole number of seconds, got '$timeout'"
    exit 1
    ;;
esac

log "waiting up to ${timeout}s for the database"
# A TCP connect is not enough: during start-up or crash recovery PostgreSQL accepts the
# connection and then refuses the session (SQLSTATE 57P03). So each attempt sends a protocol
# 3.0 StartupMessage and treats any answer except 57P03 (an auth request, or an error such as
# a wrong password, which the app will then report properly) as "the server is up".
# The URL goes through the environment, never through the command line.
# shellcheck disable=SC2016 # the ${...} below are JavaScript template literals, not shell
WAIT_FOR_DB_TIMEOUT="$timeout" node -e '
const net = require("node:net");
let url;
try {
  url = new URL(process.env.DATABASE_URL);
} catch {
  console.error("DATABASE_URL is not a valid postgres:// URL");
  process.exit(1);
}
const socketDir = url.searchParams.get("host");
const port = Number(url.port || url.searchParams.get("port") || 5432);
const target = socketDir && socketDir.startsWith("/")
  ? { path: `${socketDir}/.s.PGSQL.${port}` }
  : { host: decodeURIComponent(url.hostname || "localhost").replace(/^\[|\]$/g, ""), port };
const user = decodeURIComponent(url.username || "postgres");
const database = decodeURIComponent(url.pathname.slice(1)) || user;
const deadline = Date.now() + Number(process.env.WAIT_FOR_DB_TIMEOUT) * 1000;
const where = target.path ?? `${target.host}:${port}`;

function startupMessage() {
  const body = Buffer.from(`user\0${user}\0database\0${database}\0\0`);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, body]);
}

function attempt() {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok, why) => { if (!settled) { settled = true; socket.destroy(); resolve({ ok, why }); } };
    const socket = net.connect(target, () => socket.write(startupMessage()));
    socket.setTimeout(3000, () => done(false, "no answer within 3s"));
    socket.once("error", (err) => done(false, err.code || err.message));
    socket.once("close", () => done(false, "connection closed"));
    socket.once("data", (chunk) => {
      const text = chunk.toString("latin1");
      if (chunk[0] === 0x45 && text.includes("\0C57P03\0")) done(false, "the database system is starting up");
      else done(true, "");
    });
  });
}

(async () => {
  let last = "";
  for (;;) {
    const { ok, why } = await attempt();
    if (ok) return;
    if (why !== last) console.error(`database at ${where} not ready: ${why}`);
    last = why;
    if (Date.now() >= deadline) {
      console.error(`gave up waiting for the database at ${where} after ${process.env.WAIT_FOR_DB_TIMEOUT}s`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
})();
' || exit 1
log "database is accepting connections"

if [ "${RUN_MIGRATIONS:-false}" = "true" ]; then
  log "RUN_MIGRATIONS=true: applying migrations from ${MIGRATIONS_DIR:-/app/migrations}"
  node "$shared_dir/src/db/migrate-cli.ts"
  log "migrations done"
fi

log "starting: $*"
exec "$@"
