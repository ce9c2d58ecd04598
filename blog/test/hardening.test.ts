/**
 * Holes found by probing the blog (issue 18): bodies are never parsed for anonymous visitors on
 * admin routes, a malformed multipart body is a 400, a NUL byte anywhere is a clean 4xx, and a
 * resent signed Ghost webhook is stored once.
 */
import { createHmac } from 'node:crypto';
import { ghostWebhookEvents } from '@rose-ash/shared/db/schema/index.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { formField } from '@rose-ash/shared/testing/http.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.ts';

const ADMIN = 'hardening-admin@example.org';
const SECRET = 'hardening-webhook-secret';
let t: TestApp;
let admin: { cookies: Record<string, string>; csrf: string };

beforeAll(async () => {
  t = await buildTestApp(buildApp, {
    config: testConfig({
      env: {
        ADMIN_EMAILS: ADMIN,
        GHOST_URL: 'http://127.0.0.1:9',
        GHOST_ADMIN_API_KEY: 'abc:0123ff',
        GHOST_WEBHOOK_SECRET: SECRET,
      },
    }),
  });
  const { cookies } = await signInAs(t.app, ADMIN);
  const page = await t.app.inject({ url: '/admin/posts/new', cookies, headers: { accept: 'text/html' } });
  const csrfCookie = page.cookies.find((c) => c.name === 'blog_csrf')!;
  admin = { cookies: { ...cookies, blog_csrf: csrfCookie.value }, csrf: formField(page.body, '_csrf')! };
});
afterAll(() => t?.close());

const broken = {
  payload: '------x\r\nContent-Disposition: form-data; name="title"\r\n\r\nunterminated',
  headers: { 'content-type': 'multipart/form-data; boundary=----x', accept: 'text/html' },
};

describe('hardening', () => {
  it('refuses an anonymous admin post before reading its body, and answers a malformed one with 400', async () => {
    for (const url of [
      '/admin/posts',
      '/admin/posts/1',
      '/admin/posts/autosave',
      '/admin/posts/1/autosave',
    ]) {
      const anonymous = await t.app.inject({ method: 'POST', url, ...broken });
      expect(anonymous.statusCode, url).toBe(401);
      const signedIn = await t.app.inject({
        method: 'POST',
        url,
        ...broken,
        cookies: admin.cookies,
        headers: { ...broken.headers, 'x-csrf-token': admin.csrf },
      });
      expect(signedIn.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(signedIn.statusCode, url).toBeLessThan(500);
    }
  });

  it('answers a NUL byte with a clean 4xx everywhere it was a 500', async () => {
    const html = { accept: 'text/html' };
    const json = { accept: 'application/json' };
    expect((await t.app.inject({ url: '/search?q=a%00b', headers: html })).statusCode).toBe(400);
    expect(
      (await t.app.inject({ url: `/.well-known/webfinger?resource=acct:a%00@x`, headers: json })).statusCode,
    ).toBe(400);
    expect((await t.app.inject({ url: '/tag/a%00b/', headers: html })).statusCode).toBe(404);
    const inbox = await t.app.inject({
      method: 'POST',
      url: '/ap/inbox',
      payload: '{"id":"https://x.example/1","type":"Note\\u0000","actor":"https://x.example/a"}',
      headers: { 'content-type': 'application/activity+json' },
    });
    expect(inbox.statusCode).toBe(400);
    const title = await t.app.inject({
      method: 'POST',
      url: '/admin/posts/autosave',
      payload: { title: 'a\u0000b', html: '<p>x</p>' },
      cookies: admin.cookies,
      headers: { 'x-csrf-token': admin.csrf, ...json },
    });
    expect(title.statusCode).toBe(400);
    const raw = '{"post":{"current":{"id":"a\\u0000"}}}';
    const ts = Date.now();
    const signature = `sha256=${createHmac('sha256', SECRET)
      .update(raw + ts)
      .digest('hex')}, t=${ts}`;
    const webhook = await t.app.inject({
      method: 'POST',
      url: '/ghost/webhook',
      payload: raw,
      headers: { 'content-type': 'application/json', 'x-ghost-signature': signature },
    });
    expect(webhook.statusCode).toBe(400);
  });
});

describe('a resent Ghost webhook delivery', () => {
  it('is stored and queued once, however often the same signed bytes arrive', async () => {
    const raw = JSON.stringify({ tag: { current: { id: 'resent-tag', slug: 'resent', name: 'Resent' } } });
    const sign = (ts: number) =>
      `sha256=${createHmac('sha256', SECRET)
        .update(raw + ts)
        .digest('hex')}, t=${ts}`;
    const ts = Date.now();
    const send = (signature: string) =>
      t.app.inject({
        method: 'POST',
        url: '/ghost/webhook',
        payload: raw,
        headers: { 'content-type': 'application/json', 'x-ghost-signature': signature },
      });
    const sent = vi.spyOn(t.app.jobs, 'send');
    const first = await send(sign(ts));
    const again = await send(sign(ts));
    const third = await send(sign(ts).toUpperCase().replace('SHA256=', 'sha256=').replace('T=', 't='));
    expect([first.statusCode, again.statusCode, third.statusCode]).toEqual([200, 200, 200]);
    expect(again.json().id).toBe(first.json().id);
    expect(third.json().id).toBe(first.json().id);
    expect(sent.mock.calls.filter((c) => c[0] === 'blog.ghost-webhook')).toHaveLength(1);
    const rows = await t.database.handle.db
      .select({ id: ghostWebhookEvents.id })
      .from(ghostWebhookEvents)
      .where(sql`${ghostWebhookEvents.payload}::text like '%resent-tag%'`);
    expect(rows).toHaveLength(1);
    // Ghost sending the same change again later signs it anew: a new delivery (applied idempotently).
    const later = await send(sign(ts + 1000));
    expect(later.statusCode).toBe(200);
    expect(later.json().id).not.toBe(first.json().id);
    sent.mockRestore();
  });
});
