/**
 * Every link a person can follow works: starting from the six home pages, a crawler follows
 * each `<a href>` into any of the six apps (real HTTP between real processes, demo content
 * seeded), as an anonymous visitor and as a signed-in admin, and asserts that no page it
 * reaches answers 404 or 5xx, and that every form it finds posts to a route that exists.
 * Sign-out links and links leaving the six apps are not followed.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { APP_NAMES, type AppName } from '../shared/src/config/app-names.ts';
import { seedDemoContent } from '../shared/src/dev/seed.ts';
import { signInAs } from '../shared/src/testing/sessions.ts';

const ADMIN = 'crawl-admin@example.test';
/** Pages fetched at most per visitor (the demo site has fewer). */
const MAX_PAGES = 800;
/**
 * Query-string variants fetched per path: pagination, sorting and month views link on without
 * end (next month, next page); three of each are enough to prove they work.
 */
const VARIANTS_PER_PATH = 3;

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster([...APP_NAMES], { env: { ADMIN_EMAILS: ADMIN } });
  await seedDemoContent(cluster.database.handle.db, cluster.config);
}, 120_000);
afterAll(async () => cluster?.close());

/** The app a URL belongs to, or null when it leaves the six apps. */
function appOf(url: URL): AppName | null {
  return APP_NAMES.find((name) => new URL(cluster.url(name)).origin === url.origin) ?? null;
}

/** The forms of a page: where they post (or get) to. */
const forms = (html: string) =>
  [...html.matchAll(/<form\s[^>]*>/g)].map((m) => ({
    action: (/\saction="([^"]*)"/.exec(m[0])?.[1] ?? '').replaceAll('&amp;', '&'),
    post: /\smethod="post"/i.test(m[0]),
  }));

const hrefs = (html: string) =>
  [...html.matchAll(/<a\s[^>]*?href="([^"#][^"]*)"/g)].map((m) => (m[1] ?? '').replaceAll('&amp;', '&'));

/** Not followed: signing out, feeds and files (not pages), and the OpenID endpoints' redirects. */
const SKIP =
  /\/auth\/logout|\/oidc\/|\/auth\/login|\.(ics|xml|png|jpe?g|webp|svg|css|js)(\?|$)|\/rss\/|\/calendar\.ics|\/feed\//;

async function crawl(cookiesFor: (app: AppName) => string) {
  const queue = APP_NAMES.map((name) => `${cluster.url(name)}/`);
  const seen = new Set(queue);
  /** Where each URL was first found, for the failure message. */
  const foundOn = new Map<string, string>();
  const variants = new Map<string, number>();
  const broken: string[] = [];
  /** POST targets of the forms seen, checked once each after the crawl. */
  const posts = new Map<string, string>();
  let fetched = 0;
  while (queue.length && fetched < MAX_PAGES) {
    const url = queue.shift() as string;
    const app = appOf(new URL(url)) as AppName;
    const res = await fetch(url, {
      headers: { accept: 'text/html', cookie: cookiesFor(app) },
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    fetched++;
    const body = await res.text();
    if (res.status === 404 || res.status >= 500)
      broken.push(
        `${res.status} ${app} ${new URL(url).pathname} (linked from ${foundOn.get(url) ?? 'start'})`,
      );
    const next: string[] = [];
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location');
      if (location) next.push(new URL(location, url).toString());
    } else if ((res.headers.get('content-type') ?? '').includes('text/html')) {
      next.push(...hrefs(body).map((h) => new URL(h, url).toString()));
      for (const form of forms(body)) {
        const target = new URL(form.action || url, url);
        // A search form: the page it gets, without terms.
        if (!form.post) next.push(`${target.origin}${target.pathname}`);
        else if (appOf(target) && !SKIP.test(target.pathname) && !posts.has(target.toString()))
          posts.set(target.toString(), `${app} ${new URL(url).pathname}`);
      }
    }
    for (const link of next) {
      const target = new URL(link);
      target.hash = '';
      if (!appOf(target) || SKIP.test(target.pathname) || seen.has(target.toString())) continue;
      const path = `${target.origin}${target.pathname}`;
      if ((variants.get(path) ?? 0) >= VARIANTS_PER_PATH) continue;
      variants.set(path, (variants.get(path) ?? 0) + 1);
      seen.add(target.toString());
      foundOn.set(target.toString(), `${app} ${new URL(url).pathname}`);
      queue.push(target.toString());
    }
  }
  // Every form posts somewhere that exists: without its CSRF token the answer is a refusal
  // (403) or a redirect, never "no such page".
  for (const [target, from] of posts) {
    const app = appOf(new URL(target)) as AppName;
    const res = await fetch(target, {
      method: 'POST',
      headers: {
        accept: 'text/html',
        cookie: cookiesFor(app),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: '',
      redirect: 'manual',
    });
    await res.text();
    if (res.status === 404 || res.status >= 500)
      broken.push(`${res.status} POST ${app} ${new URL(target).pathname} (form on ${from})`);
  }
  return { broken, fetched, forms: posts.size, complete: queue.length === 0 };
}

describe('links', () => {
  it('every page an anonymous visitor can reach from the home pages answers, none 404 or 5xx', async () => {
    const { broken, fetched, complete } = await crawl((app) => `${app}_sso_checked=1`);
    expect(fetched).toBeGreaterThan(30);
    expect(complete).toBe(true);
    expect(broken).toEqual([]);
  }, 120_000);

  it('the same for a signed-in admin, admin pages included', async () => {
    const cookies = {} as Record<AppName, string>;
    // With a fediverse handle, so the social hub shows its member pages too.
    const { userId } = await signInAs(cluster.apps.federation!, ADMIN, 'Crawl Admin');
    const chosen = await cluster.apps.federation!.services.federation.chooseUsername(userId, 'crawler');
    expect(chosen.ok).toBe(true);
    // Something in each of the member's places: a cart line, an order, a booking.
    const handle = cluster.database.handle;
    const [product] = await handle.query<{ sku: string }>(
      'SELECT sku FROM products WHERE is_active AND (stock_quantity IS NULL OR stock_quantity > 2) ORDER BY id LIMIT 1',
    );
    const cart = cluster.apps.cart!.services.cart;
    expect((await cart.addItem({ userId }, { sku: product!.sku, quantity: 1 })).ok).toBe(true);
    const ordered = await cart.checkout(
      { userId },
      {
        email: ADMIN,
        name: 'Crawl Admin',
        fulfilment: 'delivery',
        collectionPoint: null,
        address: { line1: '1 Garden Row', city: 'Bristol', postcode: 'BS1 1AA', country: 'GB' },
        notes: null,
        deliveryPence: 0,
        userId,
      },
    );
    expect(ordered.ok).toBe(true);
    expect((await cart.addItem({ userId }, { sku: product!.sku, quantity: 1 })).ok).toBe(true);
    const entries = await handle.query<{ id: number }>(
      'SELECT id FROM calendar_entries WHERE starts_at > now() ORDER BY starts_at',
    );
    let booked = false;
    for (const entry of entries) {
      const result = await cluster.apps.events!.services.calendar.bookSeats({
        entryId: entry.id,
        userId,
        seats: 1,
      });
      if (result.ok) {
        booked = true;
        break;
      }
    }
    expect(booked).toBe(true);
    for (const name of APP_NAMES) {
      const { cookies: c } = await signInAs(cluster.apps[name]!, ADMIN, 'Crawl Admin');
      cookies[name] = [...Object.entries(c).map(([k, v]) => `${k}=${v}`), `${name}_sso_checked=1`].join('; ');
    }
    const { broken, fetched, forms: posted, complete } = await crawl((app) => cookies[app]);
    expect(fetched).toBeGreaterThan(30);
    expect(posted).toBeGreaterThan(10);
    expect(complete).toBe(true);
    expect(broken).toEqual([]);
  }, 120_000);
});
