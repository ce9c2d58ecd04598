/**
 * `pnpm bench [--duration 10] [--connections 20] [--rounds 3] [--profile anonymous|signed-in]`:
 * the composed-page benchmark as production sees it (see bench/README.md). Never part of
 * `pnpm test`. Exits non-zero only when a target answered with errors or non-2xx; the figures
 * are reported, not enforced.
 * Needs PostgreSQL and Redis: BENCH_DATABASE_URL (an admin URL, default
 * postgres://postgres@127.0.0.1:5432/postgres; a database is created and dropped) and
 * BENCH_REDIS_URL (default redis://127.0.0.1:6379/13, flushed before and after).
 */
import { parseArgs } from 'node:util';
import { runComposedPageBench } from './composed-page/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    profile: { type: 'string' },
  },
});
const out = (line: string) => process.stdout.write(`${line}\n`);
const which = positionals[0] ?? 'composed-page';
// `pnpm bench ap-fanout`: the ActivityPub fan-out benchmark (bench/ap-fanout/) instead.
if (positionals[0] === 'ap-fanout') {
  const { runApFanoutCli } = await import('./ap-fanout/cli.ts');
  process.exit(await runApFanoutCli());
}
const duration = Number(values.duration);
const connections = Number(values.connections);

// `pnpm bench market-search`: the market's search benchmark (bench/market-search/).
if (which === 'market-search') {
  const { runMarketSearch } = await import('./market-search/report.ts');
  process.exitCode = await runMarketSearch({ ...process.env }, { duration, connections }, out);
  process.exit();
}
if (which !== 'composed-page') {
  process.stderr.write(`unknown benchmark ${which}; known: composed-page, market-search, ap-fanout\n`);
  process.exit(2);
}

const r = await runComposedPageBench(
  {
    duration,
    connections,
    rounds: Number(values.rounds),
    ...(values.profile === 'anonymous' || values.profile === 'signed-in' ? { profile: values.profile } : {}),
  },
  out,
);
const row = (
  name: string,
  m: { reqPerSec: number; p50Ms: number; p99Ms: number; non2xx: number; cpuUsPerRequest: number },
) =>
  `${name.padEnd(22)} ${m.reqPerSec.toFixed(0).padStart(8)} req/s   p50 ${String(m.p50Ms).padStart(3)} ms   p99 ${String(m.p99Ms).padStart(4)} ms   errors ${m.non2xx}   CPU ${String(m.cpuUsPerRequest).padStart(5)} µs/request`;
out('\nmedians over the rounds:');
out(row('composed (anonymous)', r.composed));
out(row('composed (signed in)', r.signedIn));
out(row('bare route', r.bare));
out(`ratio anonymous / bare: ${r.ratio.toFixed(2)} (target ≥ 0.50: ${r.ratio >= 0.5 ? 'met' : 'NOT met'})`);
out(
  `ratio signed-in / bare: ${r.signedInRatio.toFixed(2)} (target ≥ 0.10: ${r.signedInRatio >= 0.1 ? 'met' : 'NOT met'}); signed-in p99 ${r.signedIn.p99Ms} ms (target ≤ 20: ${r.signedIn.p99Ms <= 20 ? 'met' : 'NOT met'})`,
);
// CPU per request barely moves with the machine's other load: the steadier view of the same ratios.
const cpuRatio = (m: { cpuUsPerRequest: number }) =>
  m.cpuUsPerRequest ? (r.bare.cpuUsPerRequest / m.cpuUsPerRequest).toFixed(2) : '-';
out(
  `CPU per request, bare / composed: anonymous ${cpuRatio(r.composed)} · signed in ${cpuRatio(r.signedIn)} (the same ratios, measured as CPU time rather than req/s)`,
);
out(
  `anonymous p99 ${r.composed.p99Ms} ms vs bare ${r.bare.p99Ms} ms (target ≤ 2 × bare + 1: ${r.composed.p99Ms <= 2 * r.bare.p99Ms + 1 ? 'met' : 'NOT met'})`,
);
out('\nservice      cold start   RSS 5 s after start   idle RSS (30 s)   RSS after load');
for (const s of r.services) {
  out(
    `${s.name.padEnd(12)} ${String(s.coldStartMs).padStart(7)} ms ${String(s.afterStartMb).padStart(15)} MB ${String(s.idleMb).padStart(14)} MB ${String(s.loadedMb).padStart(13)} MB`,
  );
}
const worst = (pick: (s: (typeof r.services)[number]) => number) => Math.max(...r.services.map(pick));
out(
  `idle ≤ 120 MB: ${worst((s) => s.idleMb) <= 120 ? 'met' : 'NOT met'} · after the load ≤ 200 MB: ${worst((s) => s.loadedMb) <= 200 ? 'met' : 'NOT met'} · ready within 2 s: ${worst((s) => s.coldStartMs) <= 2_000 ? 'met' : 'NOT met'}`,
);
if (r.devRssMb !== null) out(`pnpm dev (one process, six apps): ${r.devRssMb} MB idle`);
if (r.profile) {
  out(`\nCPU profile of the blog (${values.profile} only): ${r.profile.file}`);
  out('self time by owner:');
  for (const o of r.profile.summary.owners.slice(0, 15))
    out(`  ${(o.share * 100).toFixed(1).padStart(5)}%  ${o.owner}`);
  out('hottest functions:');
  for (const f of r.profile.summary.functions.slice(0, 20))
    out(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`);
}
// Exit at once: a client library's idle socket must not keep the run (and `pnpm bench`) open.
process.exit(r.composed.non2xx + r.signedIn.non2xx + r.bare.non2xx === 0 ? 0 : 1);
