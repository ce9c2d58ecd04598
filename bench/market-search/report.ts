/** `pnpm bench market-search`: runs bench/market-search at 10 000 and 100 000 products and reports. */
import { runMarketSearchBench } from './index.ts';

export async function runMarketSearch(
  env: Record<string, string | undefined>,
  options: { duration: number; connections: number },
  out: (line: string) => void,
): Promise<number> {
  // Search is database-bound: a handful of connections is the realistic load; each kind of
  // query gets a share of the time.
  const connections = Math.min(options.connections, 8);
  const duration = Math.max(3, Math.round(options.duration / 2));
  out(`bench/market-search: ${duration}s per kind of query, ${connections} connections`);
  const results = await runMarketSearchBench(env, { duration, connections }, [10_000, 100_000], out);
  const row = (name: string, l: { p50: number; p99: number; reqPerSec: number; non2xx: number }) =>
    `  ${name.padEnd(12)} p50 ${String(l.p50).padStart(4)} ms   p99 ${String(l.p99).padStart(4)} ms   ${l.reqPerSec.toFixed(0).padStart(5)} req/s${l.non2xx ? `   non-2xx/errors ${l.non2xx}` : ''}`;
  for (const r of results) {
    out(`${r.products.toLocaleString('en-GB')} products`);
    for (const [kind, l] of Object.entries(r.byKind)) out(row(kind, l));
    out(row('all', r.all));
  }
  const [small, large] = results;
  if (!small || !large) return 1;
  const ratio = large.all.p50 / Math.max(1, small.all.p50);
  out(`p50 at 100 000 / p50 at 10 000: ${ratio.toFixed(2)}  (target ≤ 2: ${ratio <= 2 ? 'met' : 'NOT met'})`);
  out(`plan of a search at 100 000:\n${large.plan.replace(/^/gm, '  ')}`);
  const failed = results.some((r) => r.all.non2xx > 0 || Object.values(r.byKind).some((l) => l.non2xx > 0));
  return failed ? 1 : 0;
}
