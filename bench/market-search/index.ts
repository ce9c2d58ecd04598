/**
 * Benchmark: market search requests (`GET /<market>/?q=…`, the whole page: search, ranking,
 * highlights, category counts) over a generated catalogue of 10 000 and then 100 000 products
 * on a PostgreSQL server, with p50/p99 per kind of query. Target: at 100 000 products a search
 * takes at most twice as long as at 10 000 (the GIN index answers, not a scan).
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { APP_BUILDERS } from '../../dev/src/app-builders.ts';
import { loadConfig } from '../../shared/src/config/index.ts';
import { connectDatabase, type DatabaseHandle } from '../../shared/src/db/client.ts';
import { runMigrations } from '../../shared/src/db/migrate.ts';
import { createCache } from '../../shared/src/infrastructure/cache.ts';
import { refreshAllSearch } from '../../shared/src/services/market/search.ts';
import { freePort, listen } from '../../shared/src/testing/http.ts';

export interface MarketSearchOptions {
  /** Seconds per kind of query and size. */
  duration: number;
  connections: number;
}

export interface Latency {
  p50: number;
  p99: number;
  reqPerSec: number;
  non2xx: number;
}

export interface SizeResult {
  products: number;
  byKind: Record<string, Latency>;
  all: Latency;
  plan: string;
}

const ADJECTIVES = [
  'heritage',
  'organic',
  'smoked',
  'golden',
  'wild',
  'early',
  'sweet',
  'crisp',
  'spiced',
  'ruby',
  'tender',
  'aged',
  'fresh',
  'baby',
  'giant',
  'purple',
  'winter',
  'summer',
  'salted',
  'rustic',
  'velvet',
  'mellow',
  'tangy',
  'dark',
  'pale',
  'frosted',
  'honeyed',
  'roasted',
  'pickled',
  'dried',
];
const NOUNS = [
  'tomato',
  'carrot',
  'apple',
  'pear',
  'cheese',
  'butter',
  'loaf',
  'chutney',
  'honey',
  'plum',
  'leek',
  'onion',
  'potato',
  'cabbage',
  'squash',
  'bean',
  'pea',
  'berry',
  'cherry',
  'yoghurt',
  'cream',
  'cider',
  'juice',
  'jam',
  'biscuit',
  'flapjack',
  'muffin',
  'scone',
  'sausage',
  'bacon',
  'ham',
  'lamb',
  'trout',
  'mackerel',
  'oyster',
  'mussel',
  'garlic',
  'chilli',
  'pepper',
  'lettuce',
  'spinach',
  'kale',
  'chard',
  'radish',
  'turnip',
  'parsnip',
  'beetroot',
  'fennel',
  'celery',
  'herb',
  'mint',
  'basil',
  'thyme',
  'sage',
  'rosemary',
  'tulip',
  'dahlia',
  'lavender',
  'candle',
  'soap',
];
const CATEGORIES = ['Vegetables', 'Fruit', 'Dairy', 'Bakery', 'Larder', 'Flowers'];

/** The variety code of product g when there are n products: ~10 products share each code. */
function varietyCode(v: number): string {
  const a = 'abcdefghijklmnopqrstuvwxyz';
  return `zq${a[v % 26]}${a[Math.floor(v / 26) % 26]}${a[Math.floor(v / 676) % 26]}`;
}

/** Replaces the catalogue with `n` generated products in one market (search documents refreshed). */
export async function generate(db: DatabaseHandle, n: number): Promise<string> {
  await db.query(
    'truncate products, products_markets, price_history, markets_suppliers, markets, categories, suppliers restart identity cascade',
  );
  await db.query(
    `insert into suppliers (slug, name) select 'supplier-' || g, 'Supplier ' || g from generate_series(1, 40) g`,
  );
  await db.query(
    `insert into categories (slug, name, sort_order) select lower(c), c, o from unnest($1::text[]) with ordinality as t(c, o)`,
    [CATEGORIES],
  );
  await db.query(`insert into markets (slug, name) values ('bench-market', 'Bench market')`);
  const varieties = Math.max(1, Math.floor(n / 10));
  const a = 'abcdefghijklmnopqrstuvwxyz';
  await db.query(
    `insert into products (supplier_id, sku, slug, name, description, price_pence, currency, unit, category_id, stock_quantity, first_seen_at)
     select 1 + g % 40, 'B-' || g, 'bench-' || g,
       initcap(($1::text[])[1 + g % 30]) || ' ' || ($2::text[])[1 + (g / 30) % 60] || ' ' ||
         'zq' || substr($3, 1 + (g % $4) % 26, 1) || substr($3, 1 + ((g % $4) / 26) % 26, 1) || substr($3, 1 + ((g % $4) / 676) % 26, 1),
       'Grown and made nearby: ' || ($2::text[])[1 + (g / 7) % 60] || ' with ' || ($1::text[])[1 + (g / 11) % 30] || ' notes, picked this week.',
       100 + g % 900, 'GBP', 'each', 1 + g % 6, case when g % 7 = 0 then null else g % 50 end,
       now() - make_interval(mins => g)
     from generate_series(1, $5::int) g`,
    [ADJECTIVES, NOUNS, a, varieties, n],
  );
  await db.query(`insert into markets_suppliers (market_id, supplier_id) select 1, id from suppliers`);
  await db.query(`insert into products_markets (product_id, market_id) select id, 1 from products`);
  await refreshAllSearch(db.db);
  await db.query('vacuum analyze products');
  await db.query('analyze products_markets');
  return 'bench-market';
}

/** The queries of each kind (the same at both sizes). */
function queries(): Record<string, string[]> {
  const pick = <T>(list: readonly T[], count: number, step: number) =>
    Array.from({ length: count }, (_, i) => list[(i * step) % list.length] as T);
  return {
    // A product's own variety name: ~10 matches at any size.
    variety: Array.from({ length: 20 }, (_, i) => varietyCode((i * 37) % 1000)),
    // Two ordinary words (an adjective and a noun): matches grow with the catalogue.
    'two words': pick(ADJECTIVES, 20, 7).map((adj, i) => `${adj} ${NOUNS[(i * 11) % NOUNS.length]}`),
    // A word still being typed: prefix match on the last word.
    prefix: pick(NOUNS, 20, 13).map((noun) => noun.slice(0, Math.max(3, noun.length - 2))),
    // A phrase and an exclusion, websearch syntax.
    websearch: pick(NOUNS, 20, 17).map(
      (noun, i) => `"${ADJECTIVES[i % 30]} ${noun}" -${NOUNS[(i + 5) % 60]}`,
    ),
  };
}

async function measure(url: string, paths: string[], options: MarketSearchOptions): Promise<Latency> {
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.duration,
    // A cookie the page cache treats as a session (so every request really searches) and the
    // silent sign-in check's "already checked" mark.
    headers: { accept: 'text/html', cookie: 'bench_sid=1; market_sso_checked=1' },
    requests: paths.map((path) => ({ method: 'GET', path })),
    workers: 1,
  });
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    reqPerSec: result.requests.average,
    non2xx: result.non2xx + result.errors,
  };
}

export async function runMarketSearchBench(
  env: Record<string, string | undefined>,
  options: MarketSearchOptions,
  sizes: number[],
  log: (line: string) => void,
): Promise<SizeResult[]> {
  const adminUrl = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `ra_bench_market_${process.pid}`;
  const admin = await connectDatabase({ url: adminUrl, max: 1 });
  await admin.query(`drop database if exists "${name}"`);
  await admin.query(`create database "${name}"`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${name}`;
  const db = await connectDatabase({ url: dbUrl.href, max: 10, applicationName: 'rose-ash-bench' });
  const cache = createCache({ prefix: `bench:${process.pid}:` });
  const results: SizeResult[] = [];
  const closers: (() => Promise<void>)[] = [];
  try {
    await runMigrations(db, new URL('../../migrations', import.meta.url).pathname);
    // The header's fragments (nav, account-nav, cart-mini) come from a stub answering at once:
    // cached like the real ones, so the measurement is the search page, not absent apps.
    const stub = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(''));
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    const stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    closers.push(() => new Promise<void>((resolve) => stub.close(() => resolve())));
    const port = await freePort();
    const config = loadConfig({
      env: {
        ...env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        RUN_JOBS: 'false',
        DATABASE_URL: dbUrl.href,
        REDIS_URL: undefined,
        MARKET_PUBLIC_URL: `http://127.0.0.1:${port}`,
        MARKET_INTERNAL_URL: `http://127.0.0.1:${port}`,
        BLOG_INTERNAL_URL: stubUrl,
        ACCOUNT_INTERNAL_URL: stubUrl,
        CART_INTERNAL_URL: stubUrl,
      },
    });
    const { buildApp } = await APP_BUILDERS.market();
    const app = await buildApp({ config, db, cache });
    const base = await listen(app, port);
    try {
      for (const n of sizes) {
        const started = Date.now();
        const market = await generate(db, n);
        log(
          `${n.toLocaleString('en-GB')} products generated and indexed in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        const byKind: Record<string, Latency> = {};
        const all: string[] = [];
        for (const [kind, qs] of Object.entries(queries())) {
          const paths = qs.map((q) => `/${market}/?q=${encodeURIComponent(q)}`);
          all.push(...paths);
          // Warm up once (plans, caches), then measure.
          for (const path of paths)
            await fetch(`${base}${path}`, { headers: { cookie: 'bench_sid=1; market_sso_checked=1' } });
          byKind[kind] = await measure(base, paths, options);
        }
        const plan = (
          await db.query<{ 'QUERY PLAN': string }>(
            `explain select id from products where is_active and search @@ websearch_to_tsquery('market_search', $1)`,
            [varietyCode(37)],
          )
        )
          .map((r) => r['QUERY PLAN'])
          .join('\n');
        results.push({ products: n, byKind, all: await measure(base, all, options), plan });
      }
    } finally {
      // Requests the load generator abandoned at its deadline finish before the pools close.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await app.close();
    }
  } finally {
    await Promise.allSettled(closers.map((close) => close()));
    await Promise.allSettled([db.close(), cache.close()]);
    await admin.query(`drop database if exists "${name}" with (force)`).catch(() => {});
    await admin.close();
  }
  return results;
}
