import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.ts';
import { INTERNAL_HEADERS } from '../../src/contracts/widgets.ts';
import type { SessionUser } from '../../src/infrastructure/auth-types.ts';
import {
  createFragmentClient,
  decodeUserHeader,
  encodeUserHeader,
  fragmentCacheKey,
  invalidateFragment,
} from '../../src/infrastructure/fragments.ts';
import { createTestCache } from '../../src/testing/cache.ts';
import { testConfig } from '../../src/testing/config.ts';

/** A stand-in owner app: answers fragments after `delayMs`, or fails, and records each call. */
interface Stub {
  calls: { url: string; headers: Record<string, string | string[] | undefined> }[];
  delayMs: number;
  status: number;
  body: (url: string) => string;
}
const stub: Stub = { calls: [], delayMs: 0, status: 200, body: (url) => `<p>${url}</p>` };
let server: Server;
let config: AppConfig;
let cache: ReturnType<typeof createTestCache>;
const logs: { msg: string; fragment?: string }[] = [];
const logger = pino(
  { level: 'debug' },
  { write: (line: string) => logs.push(JSON.parse(line) as { msg: string; fragment?: string }) },
);

beforeAll(async () => {
  server = createServer((req, res) => {
    stub.calls.push({ url: req.url ?? '', headers: req.headers });
    setTimeout(() => {
      res.writeHead(stub.status, { 'content-type': 'text/html' });
      res.end(stub.body(req.url ?? ''));
    }, stub.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config = testConfig({
    env: {
      BLOG_INTERNAL_URL: base,
      ACCOUNT_INTERNAL_URL: base,
      CART_INTERNAL_URL: base,
      EVENTS_INTERNAL_URL: base,
      FEDERATION_INTERNAL_URL: base,
    },
  });
  cache = createTestCache();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await cache.dispose();
});

function reset(partial: Partial<Stub> = {}) {
  Object.assign(
    stub,
    { calls: [], delayMs: 0, status: 200, body: (url: string) => `<p>${url}</p>` },
    partial,
  );
  logs.length = 0;
}

const member: SessionUser = {
  id: 42,
  email: 'm@example.test',
  name: 'Mina',
  username: 'mina',
  isAdmin: false,
};

describe('fragment client', () => {
  it('fetches in parallel with the token, caches, and then makes no calls', async () => {
    reset({ delayMs: 300 });
    const client = createFragmentClient({
      config: { ...config, fragments: { ...config.fragments, timeoutMs: 2_000 } },
      cache,
      logger,
    });
    const started = performance.now();
    const html = await client.fetchMany([
      { name: 'nav' },
      { name: 'container-widget', params: { type: 'post', id: 7 } },
    ]);
    // Two 300 ms fragments in well under 600 ms: fetched side by side (a wide margin, so a
    // busy machine cannot turn this into a timing test).
    expect(performance.now() - started).toBeLessThan(550);
    expect(html).toEqual([
      '<p>/internal/fragments/nav</p>',
      '<p>/internal/fragments/container-widget?id=7&type=post</p>',
    ]);
    expect(stub.calls.every((c) => c.headers[INTERNAL_HEADERS.token] === config.secrets.internalToken)).toBe(
      true,
    );
    expect(logs.filter((l) => l.msg === 'fragment cache miss')).toHaveLength(2);

    reset();
    expect(await client.fetch({ name: 'nav' })).toBe('<p>/internal/fragments/nav</p>');
    expect(stub.calls).toHaveLength(0);
    expect(logs.map((l) => l.msg)).toContain('fragment cache hit');
    expect(await cache.ttl(fragmentCacheKey('nav'))).toBeLessThanOrEqual(config.fragments.ttl.nav as number);
  });

  it('keys personalised fragments by member or cart and sends them only to their owner', async () => {
    reset({ body: () => 'x' });
    const client = createFragmentClient({ config, cache, logger });
    await client.fetchMany([
      { name: 'cart-mini', cartKey: 'cart_aaaaaaaaaaaaaaaa' },
      { name: 'cart-mini', cartKey: 'cart_bbbbbbbbbbbbbbbb' },
      { name: 'cart-mini', user: member, cartKey: 'cart_aaaaaaaaaaaaaaaa' },
      { name: 'account-nav', user: member },
      { name: 'account-nav' },
    ]);
    expect(stub.calls).toHaveLength(5);
    const cartCalls = stub.calls.filter((c) => c.url.endsWith('cart-mini'));
    expect(cartCalls.map((c) => c.headers[INTERNAL_HEADERS.cart])).toContain('cart_bbbbbbbbbbbbbbbb');
    const memberCall = stub.calls.find(
      (c) => c.url.endsWith('account-nav') && c.headers[INTERNAL_HEADERS.user],
    );
    expect(decodeUserHeader(memberCall?.headers[INTERNAL_HEADERS.user] as string)).toEqual(member);
    // The non-personalised nav never carries who is asking.
    reset();
    await client.fetch({ name: 'container-widget', params: { type: 'market', id: 1 }, user: member });
    expect(stub.calls[0]?.headers[INTERNAL_HEADERS.user]).toBeUndefined();
    expect(fragmentCacheKey('cart-mini', {}, { cartKey: 'cart_aaaaaaaaaaaaaaaa' })).not.toContain(
      'cart_aaaa',
    );
  });

  it('serves the stale copy on timeout or error, within the timeout, and empty without one', async () => {
    const client = createFragmentClient({ config, cache, logger });
    reset({ body: () => 'fresh copy' });
    expect(await client.fetch({ name: 'container-widget', params: { type: 'post', id: 99 } })).toBe(
      'fresh copy',
    );
    const key = fragmentCacheKey('container-widget', { type: 'post', id: 99 });
    await cache.del(key); // the fresh copy expired; the stale one remains

    reset({ delayMs: 1_000 });
    const started = performance.now();
    expect(await client.fetch({ name: 'container-widget', params: { type: 'post', id: 99 } })).toBe(
      'fresh copy',
    );
    expect(performance.now() - started).toBeLessThan(config.fragments.timeoutMs + 50);
    expect(logs.find((l) => l.msg === 'fragment timeout')).toMatchObject({ fragment: 'container-widget' });

    // A fragment may carry its own, tighter budget: it gives up long before the 1 s answer.
    reset({ delayMs: 1_000 });
    const tight = performance.now();
    await client.fetch({ name: 'container-widget', params: { type: 'post', id: 99 }, timeoutMs: 20 });
    expect(performance.now() - tight).toBeLessThan(500);

    reset({ status: 500 });
    expect(await client.fetch({ name: 'container-widget', params: { type: 'post', id: 99 } })).toBe(
      'fresh copy',
    );
    expect(logs.map((l) => l.msg)).toContain('fragment error');
    expect(await client.fetch({ name: 'container-widget', params: { type: 'post', id: 100 } })).toBe('');
  });

  it('invalidateFragment drops the fresh and the stale copy', async () => {
    reset({ body: () => 'one' });
    const client = createFragmentClient({ config, cache, logger });
    const subject = { name: 'cart-mini' as const, cartKey: 'cart_cccccccccccccccc' };
    expect(await client.fetch(subject)).toBe('one');
    await invalidateFragment(cache, 'cart-mini', { cartKey: subject.cartKey });
    reset({ body: () => 'two' });
    expect(await client.fetch(subject)).toBe('two');
    expect(stub.calls).toHaveLength(1);
    await invalidateFragment(cache, 'cart-mini', { cartKey: subject.cartKey });
    reset({ status: 503 });
    expect(await client.fetch(subject)).toBe('');
  });

  it('takes a 404 as an empty fragment and caches it, so an app that serves none is not asked each view', async () => {
    reset({ status: 404, body: () => 'Not found' });
    const client = createFragmentClient({ config, cache, logger });
    const comments = { name: 'comments' as const, params: { object: 'https://blog.example/ap/articles/x' } };
    expect(await client.fetch(comments)).toBe('');
    expect(await client.fetch(comments)).toBe('');
    expect(stub.calls).toHaveLength(1);
  });

  it('round-trips the user header and rejects garbage', () => {
    expect(decodeUserHeader(encodeUserHeader(member))).toEqual(member);
    expect(decodeUserHeader('not-base64-json')).toBeNull();
    expect(decodeUserHeader(Buffer.from('{"id":"1"}').toString('base64url'))).toBeNull();
    expect(decodeUserHeader(undefined)).toBeNull();
  });
});
