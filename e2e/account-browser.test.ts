/**
 * Browser journey for the account (Chromium): sign in → dashboard → toggle a newsletter → the
 * Ghost stub receives the member update; the Ghost stub goes down, toggle another → the page
 * shows it "pending" → the stub comes back → the job runner delivers it, and the page shows it
 * saved. Then the private calendar feed: created, copied with its button, and it serves. The
 * apps run their job runners, as in production.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { launchChromium } from '../shared/src/testing/browser.ts';
import { type GhostStub, startGhostStub } from '../shared/src/testing/ghost-stub.ts';
import { linkFrom, type SmtpReceiver, startSmtpReceiver } from '../shared/src/testing/smtp.ts';

const EMAIL = 'journey@account.test';
const GHOST = { peer: '6b08a57f249c9e3c394a3904', market: '6b08a57f249c9e3c394a3999' };
let smtp: SmtpReceiver;
let stub: GhostStub;
let cluster: Cluster;
let browser: Browser;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  stub = await startGhostStub({ fixturesDir: join(import.meta.dirname, '../blog/test/fixtures/ghost') });
  stub.newsletters.push({ id: GHOST.market, name: 'Market news', slug: 'market-news', status: 'active' });
  cluster = await startCluster(['federation', 'account'], {
    env: {
      SMTP_URL: smtp.url,
      GHOST_URL: stub.url,
      GHOST_ADMIN_API_KEY: stub.adminApiKey,
      RUN_JOBS: 'true',
    },
    // A cold first fragment render may take longer than production's budget on this machine.
    overrides: { fragments: { timeout_ms: 5_000 } },
  });
  // The blog's newsletters, as its Ghost sync leaves them.
  await cluster.database.handle.query(
    `INSERT INTO newsletters (ghost_id, name, slug, sort_order) VALUES ($1, 'Sync Peer', 'sync-peer', 0), ($2, 'Market news', 'market-news', 1)`,
    [GHOST.peer, GHOST.market],
  );
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cluster?.close();
  await stub?.close();
  await smtp?.close();
});

const subscribedAtGhost = () =>
  ((stub.members.find((m) => m.email === EMAIL)?.newsletters as { id: string }[] | undefined) ?? [])
    .map((n) => n.id)
    .sort();

/** The state line of one newsletter on the page. */
const stateOf = (page: Page, name: string) =>
  page.locator('li.newsletter', { hasText: name }).locator('.newsletter-state').textContent();

describe('account journey', () => {
  it('sign in → dashboard → newsletter to Ghost; Ghost down → pending → back → delivered by the job', async () => {
    const account = cluster.url('account');
    const fed = cluster.url('federation');
    const context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: account });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });

    // Anonymous: the sign-in link; the mailed link brings the member back to the dashboard.
    await page.goto(`${account}/`);
    await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(new RegExp(`^${fed}/interaction/`));
    await page.getByLabel('E-mail address').fill(EMAIL);
    await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
    await page.goto(linkFrom(await smtp.waitForMail(EMAIL), `${fed}/auth/magic/`));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${account}/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(EMAIL);
    expect(await page.locator('.account-name').textContent()).toBe(EMAIL);

    // Newsletters: subscribing reaches the Ghost member at once.
    await page
      .getByRole('navigation', { name: 'Your account' })
      .getByRole('link', { name: 'Newsletters' })
      .click();
    await page.waitForURL(`${account}/newsletters`);
    await page.getByRole('button', { name: 'Subscribe to Sync Peer' }).click();
    await page.waitForURL(`${account}/newsletters`);
    expect(await stateOf(page, 'Sync Peer')).toBe('Subscribed');
    expect(subscribedAtGhost()).toEqual([GHOST.peer]);
    expect(stub.requests.some((r) => r.method === 'POST' && r.path === '/members/')).toBe(true);

    // Ghost goes down: the change is kept, shown pending.
    await stub.goDown();
    await page.getByRole('button', { name: 'Subscribe to Market news' }).click();
    await page.waitForURL(`${account}/newsletters`);
    expect(await page.getByRole('status').first().textContent()).toContain('pending');
    expect((await stateOf(page, 'Market news'))?.replace(/\s+/g, ' ')).toBe('Subscribed · pending');
    expect(subscribedAtGhost()).toEqual([GHOST.peer]);

    // Ghost is back: the job runner's retry delivers it; the page shows it saved.
    await stub.comeBack();
    const until = Date.now() + 40_000;
    while ((await stateOf(page, 'Market news'))?.includes('pending')) {
      if (Date.now() > until) throw new Error('the pending change was never delivered');
      await new Promise((r) => setTimeout(r, 500));
      await page.reload();
    }
    expect(await stateOf(page, 'Market news')).toBe('Subscribed');
    expect(subscribedAtGhost()).toEqual([GHOST.market, GHOST.peer].sort());

    // The dashboard sums it up.
    await page
      .getByRole('navigation', { name: 'Your account' })
      .getByRole('link', { name: 'Overview' })
      .click();
    expect(await page.getByRole('region', { name: 'Newsletters' }).textContent()).toContain(
      'You receive Sync Peer, Market news.',
    );

    // The private feed: created, shown once, copied with the button, and it serves the calendar.
    await page
      .getByRole('navigation', { name: 'Your account' })
      .getByRole('link', { name: 'Calendar feed' })
      .click();
    await page.getByRole('button', { name: 'Create my feed address' }).click();
    const feedUrl = await page.getByLabel('Feed address', { exact: true }).inputValue();
    expect(feedUrl).toMatch(new RegExp(`^${account}/calendar/[A-Za-z0-9_-]{43}\\.ics$`));
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(feedUrl);
    const feed = await fetch(feedUrl);
    expect(feed.status).toBe(200);
    expect(await feed.text()).toContain('BEGIN:VCALENDAR');

    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});
