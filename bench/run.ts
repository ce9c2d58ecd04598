/**
 * `pnpm bench [--duration 10] [--connections 20] [--same-thread]`: runs the benchmarks (never
 * part of `pnpm test`) and prints the results; record notable ones in bench/README.md.
 * REDIS_URL, when set, backs the caches as in production; otherwise they are in memory.
 */
import { parseArgs } from 'node:util';
import { runComposedPageBench } from './composed-page/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    'same-thread': { type: 'boolean', default: false },
  },
});
// `pnpm bench ap-fanout`: the ActivityPub fan-out benchmark (bench/ap-fanout/) instead.
if (positionals[0] === 'ap-fanout') {
  const { runApFanoutCli } = await import('./ap-fanout/cli.ts');
  process.exit(await runApFanoutCli());
}
const duration = Number(values.duration);
const connections = Number(values.connections);
const sameThread = values['same-thread'];
const out = (line: string) => process.stdout.write(`${line}\n`);

out(
  `bench/composed-page: ${duration}s per target, ${connections} connections, load generator ${sameThread ? 'on the apps thread' : 'in a worker thread'}`,
);
const r = await runComposedPageBench({ ...process.env }, { duration, connections, sameThread }, out);
const row = (name: string, m: { reqPerSec: number; p99Ms: number; non2xx: number }) =>
  `${name.padEnd(16)} ${m.reqPerSec.toFixed(0).padStart(8)} req/s   p99 ${String(m.p99Ms).padStart(4)} ms   non-2xx/errors ${m.non2xx}`;
out(row('composed page', r.composed));
out(row('blog /healthz', r.floor));
out(row('bare route', r.bare));
out(`ratio (composed / bare): ${r.ratio.toFixed(2)}  (target ≥ 0.50: ${r.ratio >= 0.5 ? 'met' : 'NOT met'})`);
out(`factory floor (/healthz / bare): ${(r.floor.reqPerSec / r.bare.reqPerSec).toFixed(2)}`);
// Fails only when the page itself failed; the ratio is reported, not enforced (machines vary).
process.exitCode = r.composed.non2xx === 0 ? 0 : 1;
