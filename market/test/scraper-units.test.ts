/** The scraper's small parts: prices as suppliers write them, stock text, image types by content. */
import { join } from 'node:path';
import { startSupplierSite } from '@rose-ash/shared/testing/supplier-site.ts';
import { describe, expect, it } from 'vitest';
import { formatProgress, formatSummary } from '../src/commands/scrape-output.ts';
import { sniffImage } from '../src/services/scraper/image-store.ts';
import { parseListing, parsePrice, parseStock } from '../src/services/scraper/listing-parser.ts';
import { createPoliteClient, DisallowedError } from '../src/services/scraper/polite-client.ts';

describe('parsePrice', () => {
  it.each([
    ['£2.50', 250],
    ['2.50', 250],
    ['£ 3', 300],
    ['75p', 75],
    ['from £4', 400],
    ['£3 / kg', 300],
    ['2,50 €', 250],
    ['GBP 1,250.00', 125_000],
    ['£1.234,56', 123_456],
    ['1,250', 125_000],
  ])('reads %s as %i minor units', (text, minor) => {
    expect(parsePrice(text)).toBe(minor);
  });

  it.each(['', 'POA', 'Price on application', '£', '-£2', '£0.00', '2.5.0', 'free'])(
    'refuses %j (a failed item, never 0)',
    (text) => {
      expect(parsePrice(text)).toBeNull();
    },
  );
});

describe('parseStock', () => {
  it('reads counts, sold out and untracked availability', () => {
    expect(parseStock('12 in stock')).toBe(12);
    expect(parseStock('Out of stock')).toBe(0);
    expect(parseStock('Sold out')).toBe(0);
    expect(parseStock('In stock')).toBeNull();
    expect(parseStock('Ask us')).toBeUndefined();
  });
});

describe('parseListing', () => {
  const selectors = {
    item: '.p',
    sku: '@data-sku',
    name: '.n',
    price: '.pr',
    image: 'img@src',
    next_page: 'a.next@href',
  };
  it('reads items relative to the page and reports the ones it cannot read', () => {
    const html = `<div class="p" data-sku="A1"><span class="n"> Leeks </span><span class="pr">£2 per bunch</span><img src="../i/a.png"></div>
      <div class="p" data-sku="A2"><span class="n">Kale</span><span class="pr">call us</span></div>
      <div class="p"><span class="n">No code</span><span class="pr">£1</span></div>
      <a class="next" href="?page=2">next</a>`;
    const parsed = parseListing(html, 'https://shop.example/list/veg', selectors, {
      currencyDigits: 2,
      category: 'Veg',
    });
    expect(parsed.items).toEqual([
      expect.objectContaining({
        sku: 'A1',
        name: 'Leeks',
        pricePence: 200,
        unit: 'bunch',
        imageUrl: 'https://shop.example/i/a.png',
        category: 'Veg',
      }),
    ]);
    expect(parsed.failures.map((f) => f.message)).toEqual([
      'the price does not parse: “call us”',
      'an item without a usable SKU (“No code”)',
    ]);
    expect(parsed.nextUrl).toBe('https://shop.example/list/veg?page=2');
  });

  it('ignores links that are not http(s)', () => {
    const parsed = parseListing(
      '<div class="p" data-sku="B"><i class="n">B</i><i class="pr">£1</i><img src="javascript:alert(1)"></div>',
      'https://shop.example/',
      selectors,
      { currencyDigits: 2, category: null },
    );
    expect(parsed.items[0]?.imageUrl).toBeNull();
  });
});

describe('sniffImage', () => {
  it('knows JPEG, PNG, GIF and WebP by their first bytes, and nothing else', () => {
    expect(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).toBe('jpg');
    expect(sniffImage(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('png');
    expect(sniffImage(Buffer.from('GIF89a....'))).toBe('gif');
    expect(sniffImage(Buffer.from('RIFF\u0000\u0000\u0000\u0000WEBPVP8 '))).toBe('webp');
    expect(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBeNull();
    expect(sniffImage(Buffer.from('<!doctype html><p>not found</p>'))).toBeNull();
  });
});

describe('scrape command output', () => {
  it('draws a progress bar and a summary', () => {
    const line = formatProgress(
      'hill-farm',
      { phase: 'images', pages: 3, items: 10, failed: 1, images: { done: 5, total: 10 } },
      80,
    );
    expect(line).toContain('hill-farm [##########----------] 5/10 images · 3 pages · 10 items · 1 failed');
    const summary = formatSummary({
      id: 7,
      supplier: { slug: 'hill-farm', name: 'Hill Farm' },
      status: 'succeeded',
      trigger: 'command',
      startedAt: new Date('2026-01-01T10:00:00Z'),
      finishedAt: new Date('2026-01-01T10:00:02.5Z'),
      complete: true,
      created: 3,
      updated: 1,
      unchanged: 6,
      deactivated: 0,
      failed: 1,
      errors: [{ sku: 'X', message: 'the price does not parse: “POA”', url: 'https://shop.example/' }],
    });
    expect(summary).toBe(
      'Hill Farm (hill-farm): run 7 succeeded in 2.5 s\n' +
        '  created 3 · updated 1 · unchanged 6 · deactivated 0 · failed 1\n' +
        '  - X: the price does not parse: “POA” <https://shop.example/>',
    );
  });
});

describe('the polite client', () => {
  const fixturesDir = join(import.meta.dirname, 'fixtures/supplier-site');
  const client = (concurrency: number) =>
    createPoliteClient({ userAgent: 'T/1', delayMs: 0, concurrency, timeoutMs: 2_000, retries: 0 });

  it('never has more than its concurrency in flight at one host', async () => {
    const site = await startSupplierSite({ fixturesDir, latencyMs: 20 });
    try {
      const one = client(1);
      const images = ['ol-001', 'ol-002', 'ol-003', 'ol-004', 'ol-005'].map(
        (n) => `${site.url}/images/${n}.png`,
      );
      await Promise.all(images.map((url) => one.get(url, 100_000)));
      expect(site.maxInFlight).toBe(1);
      site.resetLog();
      const two = client(2);
      await Promise.all(images.map((url) => two.get(url, 100_000)));
      expect(site.maxInFlight).toBe(2);
    } finally {
      await site.close();
    }
  });

  it('follows redirects itself, asking robots.txt at every hop, and caps bodies', async () => {
    const site = await startSupplierSite({ fixturesDir, latencyMs: 0 });
    try {
      site.redirect('/moved/', '/catalogue/');
      site.redirect('/sneaky/', '/private/ol-006.png');
      const c = client(1);
      const moved = await c.get(`${site.url}/moved/`, 1_000_000);
      expect(moved.url).toBe(`${site.url}/catalogue/`);
      expect(moved.body.toString()).toContain('Beetroot');
      await expect(c.get(`${site.url}/sneaky/`, 1_000_000)).rejects.toBeInstanceOf(DisallowedError);
      expect(site.requests.some((r) => r.path.startsWith('/private/'))).toBe(false);
      await expect(c.get(`${site.url}/catalogue/`, 100)).rejects.toThrow(/larger than 100 bytes/);
    } finally {
      await site.close();
    }
  });
});
