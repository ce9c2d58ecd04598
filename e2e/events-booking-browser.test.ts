/**
 * Browser journey for events: a reader opens the demo blog post, follows its events widget to
 * an entry, signs in with the mailed link, books a place and sees that they are booked (the
 * account app will list it too once it exists); the widget on the post then shows one place
 * fewer.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { seedDemoContent } from '../shared/src/dev/seed.ts';
import { launchChromium } from '../shared/src/testing/browser.ts';
import { linkFrom, type SmtpReceiver, startSmtpReceiver } from '../shared/src/testing/smtp.ts';

const MEMBER = 'reader@rose-ash.test';
let smtp: SmtpReceiver;
let cluster: Cluster;
let browser: Browser;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  cluster = await startCluster(['federation', 'blog', 'events'], {
    env: { SMTP_URL: smtp.url },
    // A cold first fragment render may take longer than production's budget on this machine.
    overrides: { fragments: { timeout_ms: 5_000 } },
  });
  await seedDemoContent(cluster.database.handle.db, cluster.config);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cluster?.close();
  await smtp?.close();
});

describe('events booking journey', () => {
  it('blog post → widget → entry → sign in → book → "you are booked", and the widget counts it', async () => {
    const blog = cluster.url('blog');
    const events = cluster.url('events');
    const fed = cluster.url('federation');
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));

    await page.goto(`${blog}/spring-market-opens/`);
    const widget = page.getByRole('complementary', { name: 'Upcoming events' });
    expect(await widget.textContent()).toContain('12 places left');
    await widget.getByRole('link', { name: 'Seed swap' }).click();
    await page.waitForURL(`${events}/spring-gatherings/seed-swap/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Seed swap');
    expect(await page.textContent('main')).toContain('(Europe/London)');

    await page.getByRole('link', { name: 'Sign in to book' }).click();
    await page.waitForURL(new RegExp(`^${fed}/interaction/`));
    await page.getByLabel('E-mail address').fill(MEMBER);
    await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
    const mail = await smtp.waitForMail(MEMBER);
    await page.goto(linkFrom(mail, `${fed}/auth/magic/`));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${events}/spring-gatherings/seed-swap/`);

    await page.getByLabel('Places').selectOption('2');
    await page.getByRole('button', { name: 'Book' }).click();
    await page.waitForURL(`${events}/spring-gatherings/seed-swap/`);
    expect(await page.getByRole('status').first().textContent()).toContain('You are booked');
    expect(await page.locator('.booked').textContent()).toContain('You are booked: 2 places');
    expect(await page.locator('.places-left').first().textContent()).toContain('10 left');

    // Back on the post, the widget shows the seats taken (its cached copy was dropped).
    await page.goto(`${blog}/spring-market-opens/`);
    expect(await page.getByRole('complementary', { name: 'Upcoming events' }).textContent()).toContain(
      '10 places left',
    );
    expect(errors).toEqual([]);
  });
});
