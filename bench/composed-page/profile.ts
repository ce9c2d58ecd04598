/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time per function and per package, so
 * `pnpm bench --profile` can print where the composed page's time goes.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a package, one of our workspace folders, node's own, or V8. */
function ownerOf(url: string): string {
  if (!url) return '(v8/native)';
  if (url.startsWith('node:')) return 'node:internal';
  const pnpm = /node_modules\/\.pnpm\/(@?[^@/]+(?:\+[^@/]+)?)@/.exec(url);
  if (pnpm) return (pnpm[1] as string).replace('+', '/');
  const ours = /\/(shared|blog|market|cart|events|federation|account)\/src\/(.*)$/.exec(url);
  if (ours) return `${ours[1]}/src/${ours[2]?.split('/')[0]}`;
  return url;
}

export interface ProfileSummary {
  totalMs: number;
  functions: { name: string; where: string; selfMs: number; share: number }[];
  owners: { owner: string; selfMs: number; share: number }[];
}

export function summariseProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const totalUs = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const owner = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${ownerOf(url)}:${lineNumber + 1}` : '';
    const key = `${functionName}|${where}`;
    const entry = fn.get(key) ?? { name: functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    fn.set(key, entry);
    const o =
      functionName === '(idle)' ? '(idle)' : functionName === '(garbage collector)' ? '(gc)' : ownerOf(url);
    owner.set(o, (owner.get(o) ?? 0) + us);
  }
  const share = (us: number) => us / totalUs;
  return {
    totalMs: totalUs / 1000,
    functions: [...fn.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, share: share(f.us) })),
    owners: [...owner.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([o, us]) => ({ owner: o, selfMs: us / 1000, share: share(us) })),
  };
}

if (import.meta.main) {
  const s = summariseProfile(process.argv[2] as string, Number(process.argv[3] ?? 30));
  const out = (l: string) => process.stdout.write(`${l}\n`);
  out(`total ${s.totalMs.toFixed(0)} ms`);
  for (const o of s.owners) out(`${(o.share * 100).toFixed(1).padStart(5)}%  ${o.owner}`);
  out('');
  for (const f of s.functions) out(`${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`);
}
