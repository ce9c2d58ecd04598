/**
 * One scrape of one supplier: read every listing page (following "next" links), parse the
 * items, download their images, and hand the result to the market service, which applies it
 * in one transaction and records the run. A listing page that cannot be fetched fails the
 * whole run (no product changes); a page robots.txt disallows is skipped and makes the run
 * incomplete (nothing is deactivated).
 */
import type { ScrapedItemDto, ScrapeErrorDto, ScrapeRunDto } from '@rose-ash/shared/contracts/dtos.ts';
import type { MarketService } from '@rose-ash/shared/contracts/protocols.ts';
import type { ScraperSettings } from '../settings.ts';
import type { ImageStore } from './image-store.ts';
import { parseListing, type RawItem } from './listing-parser.ts';
import { DisallowedError, FetchError, type PoliteClient } from './polite-client.ts';

/** Listing pages larger than this are refused. */
const PAGE_MAX_BYTES = 5 * 1024 * 1024;

export interface ScrapeProgress {
  phase: 'pages' | 'images' | 'saving' | 'done';
  pages: number;
  items: number;
  failed: number;
  images: { done: number; total: number };
}

export interface ScrapeRunDeps {
  market: MarketService;
  client: PoliteClient;
  images: ImageStore;
  currency: string;
  onProgress?: (progress: ScrapeProgress) => void;
}

export async function runScrape(
  deps: ScrapeRunDeps,
  slug: string,
  settings: ScraperSettings,
  trigger: ScrapeRunDto['trigger'],
): Promise<ScrapeRunDto> {
  const firstUrl =
    typeof settings.start_urls[0] === 'string' ? settings.start_urls[0] : settings.start_urls[0]?.url;
  await deps.market.ensureSupplier({
    slug,
    name: settings.name,
    website: settings.website ?? (firstUrl ? new URL(firstUrl).origin : null),
  });
  const runId = await deps.market.startScrapeRun(slug, trigger);
  const progress: ScrapeProgress = {
    phase: 'pages',
    pages: 0,
    items: 0,
    failed: 0,
    images: { done: 0, total: 0 },
  };
  const report = () => deps.onProgress?.({ ...progress, images: { ...progress.images } });
  const errors: ScrapeErrorDto[] = [];
  let complete = true;
  try {
    const digits = currencyDigits(deps.currency);
    const raw: RawItem[] = [];
    // Start URLs are read side by side (each host's gate keeps it polite); the first failure
    // fails the run once every reader has stopped.
    const settled = await Promise.allSettled(
      settings.start_urls.map(async (start) => {
        const { url, category } = typeof start === 'string' ? { url: start, category: null } : start;
        const found: { items: RawItem[]; page: string }[] = [];
        const seen = new Set<string>();
        let next: string | null = url;
        let pages = 0;
        while (next && !seen.has(next)) {
          if (pages >= settings.max_pages) {
            complete = false;
            errors.push({
              url: next,
              message: `stopped after ${settings.max_pages} listing pages (max_pages)`,
            });
            break;
          }
          seen.add(next);
          let page: Awaited<ReturnType<PoliteClient['get']>>;
          try {
            page = await deps.client.get(next, PAGE_MAX_BYTES);
          } catch (err) {
            if (err instanceof DisallowedError) {
              complete = false;
              errors.push({ url: next, message: err.message });
              break;
            }
            throw err;
          }
          const parsed = parseListing(page.body.toString('utf8'), page.url, settings.selectors, {
            currencyDigits: digits,
            category,
          });
          for (const f of parsed.failures) errors.push({ url: page.url, ...f });
          progress.failed += parsed.failures.length;
          found.push({ items: parsed.items, page: page.url });
          pages += 1;
          progress.pages += 1;
          progress.items += parsed.items.length;
          report();
          next = parsed.nextUrl;
        }
        return found;
      }),
    );
    const failure = settled.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    const lists = settled.map((r) => (r.status === 'fulfilled' ? r.value : []));
    // One product per SKU: a second listing of the same SKU is a failed item.
    const bySku = new Map<string, RawItem>();
    for (const { items, page } of lists.flat()) {
      for (const item of items) {
        if (bySku.has(item.sku)) {
          errors.push({
            url: page,
            sku: item.sku,
            message: 'the same SKU is listed twice; the first is kept',
          });
          progress.failed += 1;
        } else bySku.set(item.sku, item);
      }
    }
    raw.push(...bySku.values());

    progress.phase = 'images';
    progress.images.total = raw.filter((i) => i.imageUrl).length;
    report();
    const items: ScrapedItemDto[] = await Promise.all(
      raw.map(async (item) => {
        let images: string[] = [];
        if (item.imageUrl) {
          try {
            images = [await deps.images.localUrl(item.imageUrl)];
          } catch (err) {
            errors.push({
              url: item.imageUrl,
              sku: item.sku,
              message: `image not stored: ${err instanceof FetchError ? err.message : (err as Error).message}`,
            });
          }
          progress.images.done += 1;
          report();
        }
        return {
          sku: item.sku,
          name: item.name,
          description: item.description,
          pricePence: item.pricePence,
          unit: item.unit,
          images,
          sourceUrl: item.sourceUrl,
          category: item.category,
          ...(item.stockQuantity !== undefined ? { stockQuantity: item.stockQuantity } : {}),
        };
      }),
    );

    progress.phase = 'saving';
    report();
    const run = await deps.market.finishScrapeRun(runId, {
      status: 'succeeded',
      complete,
      items,
      failed: progress.failed,
      errors,
    });
    progress.phase = 'done';
    report();
    return run;
  } catch (err) {
    const message =
      err instanceof FetchError
        ? `${err.message}`
        : `the run stopped: ${(err as Error).message ?? String(err)}`;
    const url = err instanceof FetchError ? err.url : undefined;
    const run = await deps.market.finishScrapeRun(runId, {
      status: 'failed',
      failed: progress.failed,
      errors: [{ ...(url ? { url } : {}), message }, ...errors],
    });
    progress.phase = 'done';
    report();
    return run;
  }
}

function currencyDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}
