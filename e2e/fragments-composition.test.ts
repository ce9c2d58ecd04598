/**
 * Fragment composition across the six apps, each really listening on its own port: the header
 * slots, the events widget on a post page, the cache that makes warm renders call no one,
 * outage tolerance (stale or empty slot) and recovery, the internal token, and invalidation.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_BUILDERS } from '../dev/src/app-builders.ts';
import { APP_NAMES, type AppName } from '../shared/src/config/app-names.ts';
import type { AppConfig } from '../shared/src/config/index.ts';
import { CART_COOKIE, INTERNAL_HEADERS, PAGE_TAGS } from '../shared/src/contracts/widgets.ts';
import { encodeUserHeader } from '../shared/src/infrastructure/fragments.ts';
import { purgePageCache } from '../shared/src/infrastructure/page-cache.ts';
import type { BuildApp } from '../shared/src/infrastructure/server.ts';
import { createTestCache } from '../shared/src/testing/cache.ts';
import { testConfig } from '../shared/src/testing/config.ts';
import { createTestDatabase, type TestDatabase } from '../shared/src/testing/database.ts';
import { freePort, listen } from '../shared/src/testing/http.ts';
import { seedEntry, seedNav, seedPost, seedProduct } from '../shared/test/fragments/seed.ts';

type FastifyInstance = Awaited<ReturnType<BuildApp>>;

let config: AppConfig;
let database: TestDatabase;
let cache: ReturnType<typeof createTestCache>;
const ports = {} as Record<AppName, number>;
const apps: Partial<Record<AppName, FastifyInstance>> = {};
/** Requests each app received on /internal/*: the cross-app HTTP calls. */
const internalCalls: Record<string, number> = {};
const totalInternalCalls = () => Object.values(internalCalls).reduce((a, b) => a + b, 0);

async function start(name: AppName) {
  const { buildApp } = await APP_BUILDERS[name]();
  const app = await buildApp({ config, db: database.handle, cache });
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/internal/')) internalCalls[name] = (internalCalls[name] ?? 0) + 1;
  });
  await listen(app, ports[name]);
  apps[name] = app;
}

/** A running app (fails loudly when it was stopped). */
function started(name: AppName): FastifyInstance {
  const app = apps[name];
  if (!app) throw new Error(`${name} is not running`);
  return app;
}

const base = (name: AppName) => `http://127.0.0.1:${ports[name]}`;
const CART_A = 'e2e_cart_key_aaaaaaaaaaaa';
const CART_B = 'e2e_cart_key_bbbbbbbbbbbb';

/** An anonymous browser's page view (silent SSO already tried, as after a first visit). */
async function view(path: string, cartKey = CART_A, headers: Record<string, string> = {}) {
  const started = performance.now();
  const res = await fetch(`${base('blog')}${path}`, {
    headers: { accept: 'text/html', cookie: `blog_sso_checked=1; ${CART_COOKIE}=${cartKey}`, ...headers },
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started, cache: res.headers.get('x-cache') };
}
const cartSlot = (html: string) => /data-fragment="cart-mini">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';

let postPath: string;
let sku: string;

beforeAll(async () => {
  for (const name of APP_NAMES) ports[name] = await freePort();
  const env: Record<string, string> = {};
  for (const name of APP_NAMES) {
    env[`${name.toUpperCase()}_PUBLIC_URL`] = base(name);
    env[`${name.toUpperCase()}_INTERNAL_URL`] = base(name);
  }
  // cart-mini expires after 1 s so the outage below really has to go to the (stopped) cart app.
  config = testConfig({ env, overrides: { fragments: { ttl: { 'cart-mini': 1 } } } });
  database = await createTestDatabase();
  cache = createTestCache();
  await seedNav(database.handle, [{ label: 'Our story', url: '/our-story/' }]);
  const post = await seedPost(database.handle, { title: 'Harvest supper' });
  await seedEntry(database.handle, { type: 'post', id: post.id }, { title: 'Harvest supper evening' });
  postPath = `/${post.slug}/`;
  sku = (await seedProduct(database.handle, { name: 'Cider' })).sku;
  for (const name of APP_NAMES) await start(name);
});

afterAll(async () => {
  await Promise.allSettled(Object.values(apps).map((app) => app.close()));
  await cache?.dispose();
  await database?.drop();
});

describe('fragment composition across the apps', () => {
  it('composes nav, account-nav and cart-mini into the header and the events widget into the post', async () => {
    const page = await view(postPath);
    expect(page.status).toBe(200);
    // nav, from blog: its site-relative links point at the blog whichever app shows it
    expect(page.text).toContain(`<a href="${config.apps.blog.publicUrl}/our-story/">Our story</a>`);
    expect(page.text).toContain('account-sign-in'); // account-nav, from account
    expect(cartSlot(page.text)).toContain('class="cart-mini"'); // cart-mini, from cart
    expect(page.text).toContain('Harvest supper evening'); // container-widget, from events
    expect(page.text).not.toContain('rose-ash-fragment');
    expect(internalCalls.blog).toBeGreaterThan(0);
    expect(internalCalls.account).toBeGreaterThan(0);
    expect(internalCalls.cart).toBeGreaterThan(0);
    expect(internalCalls.events).toBeGreaterThan(0);
  });

  it('with warm caches renders a blog page without a single call to another app', async () => {
    await view(postPath, CART_B); // warms CART_B's cart-mini
    const before = totalInternalCalls();
    const cached = await view(postPath, CART_B);
    expect(cached.cache).toBe('hit');
    expect(cached.status).toBe(200);
    expect(totalInternalCalls()).toBe(before);

    // Also when the page itself is rendered afresh (the page cache was purged). cart-mini lives
    // 1 s in this file: it is warmed again just before, so a pause of a loaded machine between
    // the two views cannot expire it (that would be a cold cache, not this page's doing).
    await database.handle.query('UPDATE posts SET custom_excerpt = $1', ['An evening of food']);
    await purgePageCache(cache, [PAGE_TAGS.blogPosts]);
    await started('blog').fragments.fetch({ name: 'cart-mini', cartKey: CART_B });
    const beforeFresh = totalInternalCalls();
    const fresh = await view(postPath, CART_B);
    expect(fresh.cache).toBe('miss');
    expect(fresh.text).toContain('Harvest supper evening');
    expect(totalInternalCalls()).toBe(beforeFresh);
  });

  it('answers 403 on /internal/fragments/* without the token and ignores a forged user header', async () => {
    for (const name of ['blog', 'account', 'cart', 'events', 'market'] as const) {
      const res = await fetch(`${base(name)}/internal/fragments/cart-mini`);
      expect(res.status).toBe(403);
    }
    const forgedUser = encodeUserHeader({
      id: 1,
      email: 'eve@example.test',
      name: 'Eve Forger',
      username: null,
      isAdmin: true,
    });
    const direct = await fetch(`${base('account')}/internal/fragments/account-nav`, {
      headers: { [INTERNAL_HEADERS.user]: forgedUser },
    });
    expect(direct.status).toBe(403);
    expect(await direct.text()).not.toContain('Eve Forger');
    const page = await view(postPath, CART_A, { [INTERNAL_HEADERS.user]: forgedUser });
    expect(page.text).not.toContain('Eve Forger');
    expect(page.text).toContain('account-sign-in');
  });

  it('adding an item through the CartService drops that cart-mini at once', async () => {
    expect(cartSlot((await view(postPath)).text)).toContain('data-count="0"');
    const added = await apps.cart?.services.cart.addItem({ cartKey: CART_A }, { sku, quantity: 2 });
    expect(added?.ok).toBe(true);
    expect(cartSlot((await view(postPath)).text)).toContain('data-count="2"');
    // Another visitor's slot is untouched.
    expect(cartSlot((await view(postPath, CART_B)).text)).toContain('data-count="0"');
  });

  it('keeps serving the page with a stale or empty cart slot while cart is down, and recovers', async () => {
    expect(cartSlot((await view(postPath)).text)).toContain('data-count="2"');
    await apps.cart?.close();
    delete apps.cart;
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the fresh cart-mini expires

    const stale = await view(postPath);
    expect(stale.status).toBe(200);
    expect(stale.ms).toBeLessThan(config.fragments.timeoutMs + 50);
    expect(cartSlot(stale.text)).toContain('data-count="2"');
    expect(stale.text).toContain('Our story');

    const empty = await view(postPath, 'e2e_cart_key_never_seen_before');
    expect(empty.status).toBe(200);
    expect(empty.ms).toBeLessThan(config.fragments.timeoutMs + 50);
    expect(cartSlot(empty.text).trim()).toBe('');

    await start('cart');
    await started('cart').services.cart.addItem({ cartKey: CART_A }, { sku, quantity: 1 });
    expect(cartSlot((await view(postPath)).text)).toContain('data-count="3"');
    expect(cartSlot((await view(postPath, 'e2e_cart_key_never_seen_before')).text)).toContain(
      'data-count="0"',
    );
  });
});
