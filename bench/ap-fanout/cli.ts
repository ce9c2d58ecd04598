/** `pnpm bench ap-fanout`: prints the fan-out figures; exit code 1 when a target is missed. */
import { runApFanoutBench } from './index.ts';

const MAX_SECONDS = 10;

export async function runApFanoutCli(): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const options = { followers: 1_000, hosts: 50 };
  out(
    `bench/ap-fanout: one public note, ${options.followers} followers on ${options.hosts} hosts (shared inboxes)`,
  );
  const r = await runApFanoutBench({ ...process.env }, options, out);
  const seconds = r.elapsedMs / 1000;
  out(`deliveries (ap_deliveries rows): ${r.deliveries}`);
  out(
    `POSTs received:                  ${r.posts}  (target ≤ ${options.hosts}: ${r.posts <= options.hosts ? 'met' : 'NOT met'})`,
  );
  out(`signatures verified by the hosts: ${r.verified}/${r.posts} (member key id)`);
  out(
    `all hosts delivered:              ${r.delivered ? 'yes' : 'NO'} in ${seconds.toFixed(2)} s  (target ≤ ${MAX_SECONDS} s: ${r.delivered && seconds <= MAX_SECONDS ? 'met' : 'NOT met'})`,
  );
  const ok = r.delivered && r.posts <= options.hosts && r.verified === r.posts && seconds <= MAX_SECONDS;
  return ok ? 0 : 1;
}
