/**
 * `pnpm jobs`: every job of the platform with its schedule, last run, next run, backlog and
 * last error, read from the database the environment names (DATABASE_URL, or the embedded one
 * under .data/ when no `pnpm dev` holds it). `--json` prints the same as JSON.
 */
import { readJobStatus } from './jobs.ts';
import { loadConfigOrExit, openDatabaseOrExit } from './server.ts';

const config = loadConfigOrExit();
const db = await openDatabaseOrExit(config, { poolSize: 1, applicationName: 'rose-ash-jobs-cli' });
try {
  const rows = await readJobStatus(db, config);
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    const when = (d: Date | null | undefined) =>
      d
        ? d.toLocaleString('en-GB', {
            timeZone: config.site.timezone,
            dateStyle: 'short',
            timeStyle: 'medium',
          })
        : '—';
    const table = rows.map((r) => [
      r.name,
      r.app,
      r.schedule,
      r.lastRun ? `${when(r.lastRun.at)} ${r.lastRun.state}` : '—',
      r.kind === 'worker' ? '—' : when(r.nextRun),
      String(r.queued),
      r.lastError ? `${when(r.lastError.at)} ${r.lastError.message.split('\n')[0]}` : '—',
    ]);
    const head = ['job', 'app', 'schedule', 'last run', 'next run', 'queued', 'last error'];
    const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd();
    process.stdout.write(`${line(head)}\n${table.map(line).join('\n')}\n`);
    process.stdout.write(`\nTimes in ${config.site.timezone}. Workers:\n`);
    for (const r of rows.filter((x) => x.kind === 'worker'))
      process.stdout.write(`  ${r.name}: ${r.description}\n`);
  }
} catch (err) {
  const message = (err as Error).message;
  process.stderr.write(
    /relation .*pgboss.* does not exist|schema "pgboss" does not exist/.test(message)
      ? 'The job tables are not installed yet: run the migrations (pnpm db:migrate, or start pnpm dev) first.\n'
      : `pnpm jobs failed: ${message}\n`,
  );
  process.exitCode = 1;
} finally {
  await db.close();
}
