/**
 * Hostile remote content is rendered escaped or stripped (scripts, event handlers,
 * `javascript:` links, a megabyte of HTML, deeply nested tags, a poisoned profile), and a
 * remote server answering slowly or with garbage never stalls a page: pages read the database
 * only, and the lookups a member waits for have a short time limit and the SSRF guard.
 */
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '@rose-ash/shared/config/index.ts';
import { apObjects } from '@rose-ash/shared/db/schema/index.ts';
import { remoteFetchOptions } from '@rose-ash/shared/infrastructure/activitypub/remote-fetch.ts';
import { lookupAccount } from '@rose-ash/shared/services/federation/follow-service.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { freePort, listen } from '@rose-ash/shared/testing/http.ts';
import { type RemoteActor, RemoteFediverse } from '@rose-ash/shared/testing/remote-fediverse.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { EventProcessor } from '../../src/services/event-processor.ts';
import { memberWithHandle, PUBLIC, postForm } from './helpers.ts';

const LOOKUP_TIMEOUT_MS = 400;
let t: TestApp;
let config: AppConfig;
let evil: RemoteFediverse;
let slow: RemoteFediverse;
let mallory: RemoteActor;
let sloth: RemoteActor;
let member: { cookies: Record<string, string>; userId: number };
const memberUri = () => `${config.apps.federation.publicUrl}/users/vic`;

beforeAll(async () => {
  const port = await freePort();
  config = testConfig({
    env: {
      FEDERATION_PUBLIC_URL: `http://127.0.0.1:${port}`,
      FEDERATION_INTERNAL_URL: `http://127.0.0.1:${port}`,
    },
    overrides: { federation: { lookup_timeout_ms: LOOKUP_TIMEOUT_MS } },
  });
  t = await buildTestApp(buildApp, { config });
  await listen(t.app, port);
  [evil, slow] = await Promise.all([RemoteFediverse.start(), RemoteFediverse.start()]);
  mallory = evil.addActor('mallory', {
    name: '<img src=x onerror=alert(1)>Mallory',
    summary: '<script>alert("bio")</script><a href="javascript:alert(3)">me</a>',
    iconUrl: 'javascript:alert(4)',
  });
  sloth = slow.addActor('sloth', { name: 'Sloth' });
  member = await memberWithHandle(t.app, signInAs, 'vic@example.org', 'vic');
});
afterAll(async () => {
  await Promise.all([evil?.close(), slow?.close()]);
  await t?.close();
});

async function drain() {
  const processor = new EventProcessor({
    db: t.database.handle,
    config,
    logger: t.app.log,
    retrySchedule: [30],
  });
  for (let i = 0; i < 20; i++) {
    const { activities, deliveries } = await processor.runOnce();
    await Promise.all([evil.settle(), slow.settle()]);
    if (!activities && !deliveries) return;
  }
}

const page = (url: string) =>
  t.app.inject({ url, cookies: member.cookies, headers: { accept: 'text/html' } });

async function follow(actor: RemoteActor, remote: RemoteFediverse) {
  const found = await page(`/social/search?q=${encodeURIComponent(`@${actor.username}@${remote.host}`)}`);
  expect(found.statusCode, found.body.slice(0, 300)).toBe(303);
  await postForm(t.app, found.headers.location as string, '/social/follow', member.cookies, {
    uri: actor.id,
  });
  await drain();
}

describe('hostile remote content', () => {
  it('is escaped or stripped everywhere it shows', async () => {
    await follow(mallory, evil);
    const nested = `${'<em>'.repeat(5_000)}deep${'</em>'.repeat(5_000)}`;
    const huge = `<p>${'<strong>big</strong> '.repeat(40_000)}</p>`;
    const payloads = [
      '<p>one<script>alert(1)</script></p>',
      '<p><img src=x onerror=alert(2)>two</p>',
      '<p><a href="javascript:alert(3)">three</a> <a href="https://ok.example/" onclick="x()">ok</a></p>',
      '<p style="position:fixed" onmouseover="x()"><iframe src="https://evil.example/"></iframe>four</p>',
      `<p>five</p>${nested}`,
      huge,
    ];
    for (const content of payloads) {
      const { create } = evil.note(mallory, content, {
        summary: payloads.indexOf(content) === 0 ? '<b>cw</b><script>x</script>' : undefined,
        attachment: [
          { type: 'Image', mediaType: 'image/png', url: 'javascript:alert(5)', name: '<script>x</script>' },
          { type: 'Image', mediaType: 'image/png', url: 'https://media.example/ok.png', name: 'a "cat"' },
        ],
      });
      const res = await evil.signedPost(mallory, `${memberUri()}/inbox`, create);
      expect(res.status, `${content.slice(0, 40)}: ${res.body}`).toBe(202);
    }
    await drain();
    const stored = await t.app.db.db.select().from(apObjects).where(eq(apObjects.attributedTo, mallory.id));
    expect(stored).toHaveLength(payloads.length);
    for (const row of stored) {
      expect(row.content?.length ?? 0).toBeLessThanOrEqual(150_000);
      expect((row.content?.match(/<em>/g) ?? []).length).toBeLessThanOrEqual(20);
    }

    const pages = [
      await page('/social/home'),
      ...(await Promise.all(stored.map((row) => page(`/social/notes/${row.id}`)))),
      await page(
        `/social/accounts/${(await page(`/social/search?q=${encodeURIComponent(mallory.id)}`)).headers.location?.split('/').pop()}`,
      ),
    ];
    for (const res of pages) {
      expect(res.statusCode).toBe(200);
      const body = res.body;
      expect(body).not.toMatch(/<script(?![^>]*src="\/static)/i);
      // No event-handler attribute on any tag (escaped text inside an attribute value is fine).
      const tags = body.replace(/"[^"]*"/g, '""');
      expect(tags.match(/<[a-z][^>]*\son[a-z]+=.{0,80}/i)?.[0] ?? null).toBeNull();
      expect(body).not.toMatch(/(href|src)="\s*javascript:/i);
      expect(body).not.toMatch(/<iframe|<img src="?x/i);
      expect(body).not.toContain('position:fixed');
    }
    const home = pages[0]?.body ?? '';
    expect(home).toContain('&lt;img src=x onerror=alert(1)&gt;Mallory');
    expect(home).toContain(
      '<summary><span class="status-cw-text">&lt;b&gt;cw&lt;/b&gt;&lt;script&gt;x&lt;/script&gt;</span>',
    );
    expect(home).toContain('<a href="https://ok.example/" rel="nofollow noopener noreferrer">ok</a>');
    expect(home).toContain('src="https://media.example/ok.png" alt="a &quot;cat&quot;"');
    expect(home).toContain('deep');
  });

  it('keeps a reply to a member from a hostile server out of the thread markup', async () => {
    const id = await postForm(t.app, '/social/home', '/social/notes', member.cookies, {
      content: 'Hello all',
      visibility: 'public',
    });
    const objectId = Number(id.headers.location?.match(/\d+$/)?.[0]);
    const mine = await t.app.services.federation.getStatus(member.userId, objectId);
    const { create } = evil.note(
      mallory,
      '<p>reply <svg onload=alert(1)><a href="data:text/html,x">d</a></p>',
      {
        inReplyTo: mine?.uri,
        to: [PUBLIC, memberUri()],
      },
    );
    expect((await evil.signedPost(mallory, `${memberUri()}/inbox`, create)).status).toBe(202);
    await drain();
    const thread = (await page(`/social/notes/${objectId}`)).body;
    expect(thread).toContain('reply');
    expect(thread).not.toMatch(/<svg|onload=|href="data:/);
    expect((await page('/social/notifications')).body).toContain('replied to you');
  });
});

describe('slow and broken servers', () => {
  it('never stall a page: a lookup gives up after the time limit and says so', async () => {
    // Followed while it still answers, so its posts are on the member's timeline.
    await follow(sloth, slow);
    const { create } = slow.note(sloth, '<p>A slow server wrote this</p>');
    expect((await slow.signedPost(sloth, `${memberUri()}/inbox`, create)).status).toBe(202);
    await drain();

    slow.misbehave({ kind: 'slow', delayMs: 30_000 });
    const fetchedBefore = slow.fetched.length;
    // Pages with its posts and its profile render from the database: no request reaches it.
    for (const url of ['/social/home', '/social/local', '/social/notifications']) {
      expect((await page(url)).statusCode).toBe(200);
    }
    expect((await page('/social/home')).body).toContain('A slow server wrote this');
    expect(slow.fetched.length).toBe(fetchedBefore);

    // What does ask it waits at most the lookup time limit and degrades gracefully.
    const started = Date.now();
    const search = await page(`/social/search?q=${encodeURIComponent(`@other@${slow.host}`)}`);
    expect(search.statusCode).toBe(200);
    expect(search.body).toContain('did not answer in time');
    const composed = await postForm(t.app, '/social/home', '/social/notes', member.cookies, {
      content: `hi @other@${slow.host}`,
      visibility: 'public',
    });
    expect(composed.statusCode).toBe(303);
    const remoteFollow = await t.app.inject({
      url: `/remote-follow?uri=${encodeURIComponent(memberUri())}&acct=${encodeURIComponent(`@me@${slow.host}`)}`,
      headers: { accept: 'text/html' },
    });
    expect(remoteFollow.statusCode).toBe(200);
    expect(remoteFollow.body).toContain('did not answer in time');
    // Three lookups, each bounded by the limit, long before the server would have answered (the
    // margin is generous: this checks the limit exists, it is not a benchmark).
    expect(Date.now() - started).toBeLessThan(15_000);
    slow.misbehave(null);
  });

  it('answering garbage is "not found or unreachable", never an error page', async () => {
    slow.misbehave({ kind: 'garbage' });
    const search = await page(`/social/search?q=${encodeURIComponent(`@sloth@${slow.host}`)}`);
    expect(search.statusCode).toBeLessThan(500);
    expect(search.body).toMatch(/did not answer in time, or answered nonsense|No account was found/);
    const byUrl = await page(`/social/search?q=${encodeURIComponent(`${slow.origin}/users/nobody`)}`);
    expect(byUrl.statusCode).toBeLessThan(500);
    slow.misbehave(null);
  });

  it('the SSRF guard refuses private addresses outside tests', async () => {
    const guarded = {
      ...remoteFetchOptions(config),
      allowPrivateAddress: false,
      timeoutMs: LOOKUP_TIMEOUT_MS,
    };
    const fetched = evil.fetched.length;
    const result = await lookupAccount(
      { db: t.app.db.db, config, fetchOptions: guarded },
      `@mallory@${evil.host}`,
    );
    expect(result).toEqual({ ok: false, reason: 'unreachable' });
    const byUrl = await lookupAccount(
      { db: t.app.db.db, config, fetchOptions: guarded },
      `${evil.origin}/users/x-${randomUUID()}`,
    );
    expect(byUrl).toEqual({ ok: false, reason: 'unreachable' });
    expect(evil.fetched.length).toBe(fetched);
  });
});
