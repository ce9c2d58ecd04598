/** What the scrape command prints: a one-line progress bar and a closing summary per run. */
import type { ScrapeRunDto } from '@rose-ash/shared/contracts/dtos.ts';
import type { ScrapeProgress } from '../services/scraper/scrape-run.ts';

const PHASES: Record<ScrapeProgress['phase'], string> = {
  pages: 'reading pages',
  images: 'fetching images',
  saving: 'saving',
  done: 'done',
};

/** `orchard-lane [########------] 6/11 images · 3 pages · 11 items · 2 failed` (fits `width`). */
export function formatProgress(name: string, p: ScrapeProgress, width = 80): string {
  const ratio =
    p.phase === 'pages'
      ? 0
      : p.phase === 'images'
        ? p.images.total
          ? p.images.done / p.images.total
          : 1
        : 1;
  const counts = `${p.pages} pages · ${p.items} items · ${p.failed} failed`;
  const what = p.phase === 'images' ? `${p.images.done}/${p.images.total} images` : PHASES[p.phase];
  const bar = 20;
  const filled = Math.round(ratio * bar);
  const line = `${name} [${'#'.repeat(filled)}${'-'.repeat(bar - filled)}] ${what} · ${counts}`;
  return line.length > width - 1 ? line.slice(0, width - 1) : line.padEnd(width - 1);
}

/** The closing summary of one run. */
export function formatSummary(run: ScrapeRunDto): string {
  const took =
    run.finishedAt && run.startedAt
      ? ` in ${((run.finishedAt.getTime() - run.startedAt.getTime()) / 1000).toFixed(1)} s`
      : '';
  const lines = [
    `${run.supplier.name} (${run.supplier.slug}): run ${run.id} ${run.status}${run.status === 'succeeded' && !run.complete ? ' (incomplete: nothing deactivated)' : ''}${took}`,
    `  created ${run.created} · updated ${run.updated} · unchanged ${run.unchanged} · deactivated ${run.deactivated} · failed ${run.failed}`,
  ];
  for (const e of run.errors.slice(0, 10)) {
    lines.push(`  - ${e.sku ? `${e.sku}: ` : ''}${e.message}${e.url ? ` <${e.url}>` : ''}`);
  }
  if (run.errors.length > 10) lines.push(`  … and ${run.errors.length - 10} more (see /admin/scrapes)`);
  return lines.join('\n');
}
