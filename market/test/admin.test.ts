/**
 * The market admin: creating and editing markets (name, address, location, description,
 * opening times) and choosing the suppliers whose products they list; the scrapes page with
 * the run history, the last errors and "run now" (a queued job).
 */
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { formField } from '@rose-ash/shared/testing/http.ts';
import { storedJobs } from '@rose-ash/shared/testing/jobs.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalogue } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

const ADMIN = 'market-admin@rose-ash.test';
let t: TestApp;
let admin: Record<string, string>;
let seeded: Awaited<ReturnType<typeof seedCatalogue>>;

beforeAll(async () => {
  t = await buildTestApp(buildApp, {
    config: testConfig({
      env: { ADMIN_EMAILS: ADMIN },
      overrides: {
        market: {
          scrapers: {
            'hill-farm': {
              name: 'Hill Farm',
              start_urls: ['http://127.0.0.1:9/catalogue/'],
              selectors: { item: '.p', name: '.n', price: '.pr', sku: '@data-sku' },
            },
          },
        },
      },
    }),
  });
  admin = { ...(await signInAs(t.app, ADMIN)).cookies, market_sso_checked: '1' };
  seeded = await seedCatalogue(t.database.handle, {
    market: 'Old market',
    products: [
      { name: 'Beetroot', supplier: 'Hill Farm' },
      { name: 'Sourdough', supplier: 'Town Bakery' },
    ],
  });
});
afterAll(() => t?.close());

/** GETs a form page as the admin and posts `fields` with its CSRF token. */
async function submit(formUrl: string, action: string, fields: Record<string, string | string[]>) {
  const page = await t.app.inject({ url: formUrl, cookies: admin, headers: { accept: 'text/html' } });
  expect(page.statusCode).toBe(200);
  const csrfCookie = page.cookies.find((c) => c.name === 'market_csrf');
  const body = new URLSearchParams({ _csrf: formField(page.body, '_csrf') as string });
  for (const [k, v] of Object.entries(fields)) for (const value of [v].flat()) body.append(k, value);
  return t.app.inject({
    method: 'POST',
    url: action,
    cookies: { ...admin, ...(csrfCookie ? { market_csrf: csrfCookie.value } : {}) },
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    payload: body.toString(),
  });
}

const supplierIds = async () => {
  const all = await t.app.services.market.listSuppliers();
  return Object.fromEntries(all.map((s) => [s.name, String(s.id)]));
};

describe('market admin', () => {
  it('is for admins only', async () => {
    const res = await t.app.inject({
      url: '/admin/markets',
      headers: { accept: 'text/html' },
      cookies: { market_sso_checked: '1' },
    });
    expect(res.statusCode).not.toBe(200);
    const member = await signInAs(t.app, 'member@example.test');
    const denied = await t.app.inject({
      url: '/admin/markets',
      headers: { accept: 'text/html' },
      cookies: { ...member.cookies, market_sso_checked: '1' },
    });
    expect(denied.statusCode).toBe(403);
  });

  it('creates a market carrying one supplier, listing its products', async () => {
    const ids = await supplierIds();
    const res = await submit('/admin/markets/new', '/admin/markets', {
      name: 'Riverside Market',
      slug: '',
      location: 'The Quay',
      description: 'Thursdays by the river.',
      openingTimes: 'Thursdays 15:00–19:00',
      sortOrder: '2',
      supplierIds: [ids['Town Bakery'] as string],
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^\/admin\/markets\/\d+\?saved=1$/);
    const page = await t.app.inject({
      url: '/riverside-market/',
      headers: { accept: 'text/html' },
      cookies: { market_sso_checked: '1' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Thursdays 15:00–19:00');
    expect(page.body).toContain('The Quay');
    expect(page.body).toContain('Sourdough');
    expect(page.body).not.toContain('Beetroot');
  });

  it('edits a market: new suppliers, new details, the pages purged', async () => {
    const [riverside] = (await t.app.services.market.listMarketsForAdmin()).filter(
      (m) => m.slug === 'riverside-market',
    );
    const ids = await supplierIds();
    // Cached before the edit.
    const url = '/riverside-market/';
    await t.app.inject({ url, headers: { accept: 'text/html' }, cookies: { market_sso_checked: '1' } });
    const res = await submit(`/admin/markets/${riverside?.id}`, `/admin/markets/${riverside?.id}`, {
      name: 'Riverside Market',
      slug: 'riverside-market',
      location: 'The Quay',
      description: '',
      openingTimes: 'Thursdays and Saturdays',
      sortOrder: '2',
      supplierIds: [ids['Hill Farm'] as string],
    });
    expect(res.statusCode).toBe(303);
    const page = await t.app.inject({
      url,
      headers: { accept: 'text/html' },
      cookies: { market_sso_checked: '1' },
    });
    expect(page.headers['x-cache']).toBe('miss');
    expect(page.body).toContain('Thursdays and Saturdays');
    expect(page.body).toContain('Beetroot');
    expect(page.body).not.toContain('Sourdough');
    const edited = await t.app.services.market.getMarketForAdmin(riverside?.id as number);
    expect(edited).toMatchObject({
      description: null,
      supplierIds: [Number(ids['Hill Farm'])],
      productCount: 1,
    });
  });

  it('shows the form again with the error for a taken or reserved address', async () => {
    const taken = await submit('/admin/markets/new', '/admin/markets', {
      name: 'Another',
      slug: seeded.market.slug,
      sortOrder: '0',
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.body).toContain('Another market already has the address');
    expect(taken.body).toContain('value="Another"');
    const reserved = await submit('/admin/markets/new', '/admin/markets', {
      name: 'Admin',
      slug: 'admin',
      sortOrder: '0',
    });
    expect(reserved.statusCode).toBe(400);
    expect(reserved.body).toContain('That address is reserved');
    const noName = await submit('/admin/markets/new', '/admin/markets', { name: '', sortOrder: '0' });
    expect(noName.statusCode).toBe(400);
    expect(noName.body).toContain('Give the market a name');
  });
});

describe('scrapes admin', () => {
  it('shows the configured scrapers, the run history and the last errors', async () => {
    const runId = await t.app.services.market.startScrapeRun(
      (await t.app.services.market.listSuppliers()).find((s) => s.name === 'Hill Farm')?.slug as string,
      'admin',
    );
    await t.app.services.market.finishScrapeRun(runId, {
      status: 'failed',
      failed: 0,
      errors: [{ url: 'http://127.0.0.1:9/catalogue/', message: 'HTTP 500 (after 3 attempts)' }],
    });
    const res = await t.app.inject({
      url: '/admin/scrapes',
      cookies: admin,
      headers: { accept: 'text/html' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Hill Farm');
    expect(res.body).toContain('Run now');
    expect(res.body).toContain('HTTP 500 (after 3 attempts)');
    expect(res.body).toContain('run-failed');
  });

  it('"run now" queues one scrape job for the supplier', async () => {
    const res = await submit('/admin/scrapes', '/admin/scrapes/run', { supplier: 'hill-farm' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/scrapes?queued=hill-farm');
    const jobs = await storedJobs(t.database.handle, 'market.scrape');
    expect(jobs).toHaveLength(1);
    const unknown = await submit('/admin/scrapes', '/admin/scrapes/run', { supplier: 'no-such-supplier' });
    expect(unknown.statusCode).toBe(404);
  });
});
