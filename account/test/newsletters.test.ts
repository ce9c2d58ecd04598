/**
 * Newsletters written back to Ghost (the Ghost stub speaks the Admin API): a toggle reaches
 * the Ghost member at once (created when absent); with Ghost down the choice is saved, shown
 * pending, and the job delivers it once Ghost is back; a webhook from Ghost (an unsubscribe
 * from an e-mail, through the blog's webhook route) shows here; choices never made here keep
 * Ghost's value; newsletters without Ghost stay local.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import {
  accountConfirmations,
  ghostMemberLinks,
  ghostMemberWritebacks,
  newsletters,
  users,
} from '@rose-ash/shared/db/schema/index.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { type GhostStub, startGhostStub } from '@rose-ash/shared/testing/ghost-stub.ts';
import { storedJobs } from '@rose-ash/shared/testing/jobs.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_BUILDERS } from '../../dev/src/app-builders.ts';
import { buildApp } from '../src/app.ts';
import { type Cookies, submit } from './helpers.ts';

const WEBHOOK_SECRET = 'account-test-webhook-secret';
const fixtures = join(import.meta.dirname, '../../blog/test/fixtures/ghost');

let stub: GhostStub;
let t: TestApp;
let blog: TestApp;
const ids = { peer: 0, market: 0, local: 0 };
const GHOST = { peer: '6b08a57f249c9e3c394a3904', market: '6b08a57f249c9e3c394a3999' };

beforeAll(async () => {
  stub = await startGhostStub({ fixturesDir: fixtures });
  stub.newsletters.push({
    id: GHOST.market,
    name: 'Market news',
    slug: 'market-news',
    description: 'What is fresh this week',
    status: 'active',
    visibility: 'members',
    sort_order: 1,
  });
  const config = testConfig({
    env: { GHOST_URL: stub.url, GHOST_ADMIN_API_KEY: stub.adminApiKey, GHOST_WEBHOOK_SECRET: WEBHOOK_SECRET },
  });
  t = await buildTestApp(buildApp, { config });
  const { buildApp: buildBlog } = await APP_BUILDERS.blog();
  blog = await buildTestApp(buildBlog, { config, database: t.database, cache: t.cache });
  const rows = await t.database.handle.db
    .insert(newsletters)
    .values([
      { ghostId: GHOST.peer, name: 'Sync Peer', slug: 'sync-peer', sortOrder: 0 },
      { ghostId: GHOST.market, name: 'Market news', slug: 'market-news', sortOrder: 1 },
      { ghostId: null, name: 'Local letter', slug: 'local-letter', sortOrder: 2 },
    ])
    .returning({ id: newsletters.id, slug: newsletters.slug });
  ids.peer = rows[0]!.id;
  ids.market = rows[1]!.id;
  ids.local = rows[2]!.id;
});
afterAll(async () => {
  await blog?.close();
  await t?.close();
  await stub?.close();
});

const toggle = (cookies: Cookies, id: number, subscribed: boolean) =>
  submit(t, `/newsletters/${id}`, '/newsletters', cookies, { subscribed: String(subscribed) });

const member = (email: string) => stub.members.find((m) => m.email === email);
const memberNewsletters = (email: string) =>
  ((member(email)?.newsletters as { id: string }[] | undefined) ?? []).map((n) => n.id).sort();

/** The state of one newsletter as the page shows it. */
async function shown(cookies: Cookies, slug: string): Promise<string> {
  const page = await t.app.inject({ url: '/newsletters', cookies, headers: { accept: 'text/html' } });
  const item = page.body.split(`data-newsletter="${slug}"`)[1]?.split('</li>')[0] ?? '';
  return (
    /<p class="newsletter-state">([\s\S]*?)<\/p>/
      .exec(item)?.[1]
      ?.replace(/<[^>]+>/g, '')
      .trim() ?? ''
  );
}

describe('newsletters', () => {
  it('writes a toggle to the Ghost member at once, creating the member when absent', async () => {
    const { cookies, userId } = await signInAs(t.app, 'reader@example.test', 'Rita Reader');
    expect(await shown(cookies, 'sync-peer')).toBe('Not subscribed');

    const res = await toggle(cookies, ids.peer, true);
    expect(res.statusCode).toBe(303);
    const created = stub.requests.filter((r) => r.method === 'POST' && r.path === '/members/');
    expect(created).toHaveLength(1);
    expect(memberNewsletters('reader@example.test')).toEqual([GHOST.peer]);
    expect(await shown(cookies, 'sync-peer')).toBe('Subscribed');
    const [link] = await t.database.handle.db
      .select()
      .from(ghostMemberLinks)
      .where(eq(ghostMemberLinks.userId, userId));
    expect(link?.ghostMemberId).toBe(member('reader@example.test')?.id);

    // And off again: the member's whole set is replaced (Ghost's PUT semantics).
    await toggle(cookies, ids.peer, false);
    const put = stub.requests.filter((r) => r.method === 'PUT' && r.path.startsWith('/members/')).at(-1);
    expect(put?.body).toEqual({ members: [{ newsletters: [] }] });
    expect(memberNewsletters('reader@example.test')).toEqual([]);
    expect(await shown(cookies, 'sync-peer')).toBe('Not subscribed');
  });

  it('keeps a change pending while Ghost is down, and the job delivers it once Ghost is back', async () => {
    const { cookies, userId } = await signInAs(t.app, 'patient@example.test', 'Pat Patient');
    await toggle(cookies, ids.peer, true);
    expect(memberNewsletters('patient@example.test')).toEqual([GHOST.peer]);

    await stub.goDown();
    try {
      const res = await toggle(cookies, ids.market, true);
      expect(res.statusCode).toBe(303);
      expect(await shown(cookies, 'market-news')).toBe('Subscribed · pending');
      const page = await t.app.inject({ url: '/newsletters', cookies, headers: { accept: 'text/html' } });
      expect(page.body).toContain('Some changes are pending');
      const queued = await storedJobs(t.database.handle, 'account.ghost-writeback');
      expect(queued.some((j) => (j as unknown as { state: string }).state === 'created')).toBe(true);
      // The job's attempt while Ghost is still down fails (so the runner retries it).
      await expect(t.app.jobs.runNow('account.ghost-writeback', { userId })).rejects.toThrow();
      const [due] = await t.database.handle.db
        .select()
        .from(ghostMemberWritebacks)
        .where(eq(ghostMemberWritebacks.userId, userId));
      expect(due?.attempts).toBeGreaterThanOrEqual(2);
      expect(due?.lastError).toBeTruthy();
      expect(memberNewsletters('patient@example.test')).toEqual([GHOST.peer]);
    } finally {
      await stub.comeBack();
    }

    await t.app.jobs.runNow('account.ghost-writeback', { userId });
    expect(memberNewsletters('patient@example.test')).toEqual([GHOST.market, GHOST.peer].sort());
    expect(await shown(cookies, 'market-news')).toBe('Subscribed');
    expect(await t.app.services.account.listPendingWritebacks(10)).not.toContain(userId);
    // Nothing left to do: a late retry of the job changes nothing.
    expect(await t.app.services.account.writeBackToGhost(userId)).toEqual({ outcome: 'nothing-due' });
  });

  it('shows a change Ghost sends by webhook (an unsubscribe from an e-mail)', async () => {
    const { cookies } = await signInAs(t.app, 'leaver@example.test', 'Lou Leaver');
    await toggle(cookies, ids.peer, true);
    const ghostMember = member('leaver@example.test');
    expect(ghostMember).toBeDefined();

    const payload = {
      member: {
        current: { ...ghostMember, newsletters: [], updated_at: new Date().toISOString() },
        previous: { newsletters: [{ id: GHOST.peer, name: 'Sync Peer', status: 'active' }] },
      },
    };
    const raw = JSON.stringify(payload);
    const ts = String(Date.now());
    const hex = createHmac('sha256', WEBHOOK_SECRET)
      .update(raw + ts)
      .digest('hex');
    const stored = await blog.app.inject({
      method: 'POST',
      url: '/ghost/webhook',
      headers: { 'content-type': 'application/json', 'x-ghost-signature': `sha256=${hex}, t=${ts}` },
      payload: raw,
    });
    expect(stored.statusCode).toBe(200);
    await blog.app.jobs.runNow('blog.ghost-webhook', { deliveryId: stored.json().id });
    expect(await shown(cookies, 'sync-peer')).toBe('Not subscribed');
  });

  it("keeps Ghost's value for choices never made here, and reads them on a first visit", async () => {
    // Subscribed in Ghost before ever coming here.
    stub.members.push({
      id: '6b08a57f249c9e3c394a3777',
      email: 'early@example.test',
      name: 'Early Bird',
      newsletters: [{ id: GHOST.market }],
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    });
    const { cookies } = await signInAs(t.app, 'early@example.test', 'Early Bird');
    expect(await shown(cookies, 'market-news')).toBe('Subscribed');
    expect(await shown(cookies, 'sync-peer')).toBe('Not subscribed');

    await toggle(cookies, ids.peer, true);
    expect(memberNewsletters('early@example.test')).toEqual([GHOST.market, GHOST.peer].sort());
  });

  it('keeps newsletters without Ghost in our database only', async () => {
    const { cookies } = await signInAs(t.app, 'local@example.test', 'Lo Cal');
    const before = stub.requests.length;
    const res = await toggle(cookies, ids.local, true);
    expect(res.statusCode).toBe(303);
    expect(await shown(cookies, 'local-letter')).toBe('Subscribed');
    // Only the first visit's look-up of the member, no write.
    expect(stub.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    const unknown = await toggle(cookies, 999_999, true);
    expect(unknown.statusCode).toBe(404);
  });

  it('sweeps: re-queues write-backs nothing was tried for lately, and deletes old confirmation links', async () => {
    const { userId } = await signInAs(t.app, 'swept@example.test', 'Sue Swept');
    const busy = await signInAs(t.app, 'busy@example.test', 'Bea Busy');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await t.database.handle.db.insert(ghostMemberWritebacks).values([
      { userId, requestedAt: hourAgo },
      // Its job is retrying right now: left to it.
      { userId: busy.userId, requestedAt: hourAgo, lastAttemptAt: new Date(), attempts: 3 },
    ]);
    await t.database.handle.db.insert(accountConfirmations).values({
      userId,
      purpose: 'close-account',
      tokenHash: 'old-link',
      createdAt: new Date(Date.now() - 3 * 86_400_000),
      expiresAt: new Date(Date.now() - 2 * 86_400_000),
    });
    const swept = (await t.app.jobs.runNow('account.sweep', {})) as { requeued: number; purged: number };
    expect(swept.purged).toBe(1);
    const queuedFor = async (id: number) => {
      const [row] = await t.database.handle.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'account.ghost-writeback' AND singleton_key = $1`,
        [String(id)],
      );
      return row?.n ?? 0;
    };
    expect(await queuedFor(userId)).toBe(1);
    expect(await queuedFor(busy.userId)).toBe(0);

    await t.app.jobs.runNow('account.ghost-writeback', { userId });
    expect(await t.app.services.account.listPendingWritebacks(100)).not.toContain(userId);
    await t.app.jobs.runNow('account.sweep', {});
    expect(await queuedFor(userId)).toBe(1);
  });

  it('writes a new e-mail address to the Ghost member it is linked to', async () => {
    const { cookies, userId } = await signInAs(t.app, 'mover@example.test', 'Mo Mover');
    await toggle(cookies, ids.peer, true);
    const ghostId = member('mover@example.test')?.id;
    await t.database.handle.db.update(users).set({ email: 'moved@example.test' }).where(eq(users.id, userId));
    await t.database.handle.db.insert(ghostMemberWritebacks).values({ userId }).onConflictDoNothing();
    await t.app.jobs.runNow('account.ghost-writeback', { userId });
    expect(stub.members.find((m) => m.id === ghostId)?.email).toBe('moved@example.test');
    expect(memberNewsletters('moved@example.test')).toEqual([GHOST.peer]);
  });
});
