import type { ScrapeRunDto } from '@rose-ash/shared/contracts/dtos.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { productImagesDir } from '../media-plugin.ts';
import { marketSettings, type ScraperSettings } from '../settings.ts';
import { createImageStore } from './image-store.ts';
import { createPoliteClient } from './polite-client.ts';
import { runScrape, type ScrapeProgress } from './scrape-run.ts';

export interface Scrapers {
  /** The configured scrapers (supplier slugs), in configuration order. */
  readonly names: readonly string[];
  settingsOf(slug: string): ScraperSettings | undefined;
  /** Runs one supplier's scraper now and returns the run as recorded. */
  run(
    slug: string,
    trigger: ScrapeRunDto['trigger'],
    onProgress?: (p: ScrapeProgress) => void,
  ): Promise<ScrapeRunDto>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The supplier scrapers configured under `market.scrapers` in app-config.yaml. */
    scrapers: Scrapers;
  }
}

/** Builds the scrapers from configuration (the job, the admin's "run now" and the command share them). */
export function createScrapers(app: Pick<FastifyInstance, 'config' | 'services'>): Scrapers {
  const settings = marketSettings(app.config);
  return {
    names: Object.keys(settings.scrapers),
    settingsOf: (slug) => (Object.hasOwn(settings.scrapers, slug) ? settings.scrapers[slug] : undefined),
    async run(slug, trigger, onProgress) {
      const scraper = Object.hasOwn(settings.scrapers, slug) ? settings.scrapers[slug] : undefined;
      if (!scraper) throw new Error(`no scraper configured for supplier ${slug}`);
      // A fresh client per run: robots.txt is read again each time.
      const client = createPoliteClient({
        userAgent: scraper.user_agent,
        delayMs: scraper.delay_ms,
        concurrency: scraper.concurrency,
        timeoutMs: scraper.timeout_ms,
        retries: scraper.retries,
      });
      const images = createImageStore({
        dir: productImagesDir(app.config.paths.media),
        client,
        maxBytes: settings.image_max_bytes,
      });
      return runScrape(
        {
          market: app.services.market,
          client,
          images,
          currency: app.config.site.currency,
          ...(onProgress ? { onProgress } : {}),
        },
        slug,
        scraper,
        trigger,
      );
    },
  };
}

export const scraperPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorate('scrapers', createScrapers(app));
  },
  { name: 'market-scrapers', fastify: '5.x' },
);
