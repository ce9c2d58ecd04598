/**
 * The browser journey: a real Chromium (Debian's, driven by playwright-core) signs in at blog
 * with the link read from the SMTP receiver, lands signed in at market, and signs out everywhere.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { launchChromium } from '../shared/src/testing/browser.ts';
import { linkFrom, type SmtpReceiver, startSmtpReceiver } from '../shared/src/testing/smtp.ts';

let smtp: SmtpReceiver;
let cluster: Cluster;
let browser: Browser;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  cluster = await startCluster(['federation', 'blog', 'market'], { env: { SMTP_URL: smtp.url } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cluster?.close();
  await smtp?.close();
});

describe('browser journey', () => {
  it('signs in at blog with the mailed link and lands signed in at market', async () => {
    const blog = cluster.url('blog');
    const market = cluster.url('market');
    const fed = cluster.url('federation');
    const email = 'browser@sso.test';
    const context = await browser.newContext();
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') cspErrors.push(msg.text());
    });

    await page.goto(`${blog}/`);
    expect(page.url()).toBe(`${blog}/`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(new RegExp(`^${fed}/interaction/`));
    await page.getByLabel('E-mail address').fill(email);
    await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
    await expect(page.getByRole('heading', { name: 'Check your mail' }).textContent()).resolves.toBe(
      'Check your mail',
    );

    const mail = await smtp.waitForMail(email);
    await page.goto(linkFrom(mail, `${fed}/auth/magic/`));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${blog}/`);
    expect(await page.locator('.account-name').textContent()).toBe(email);

    // A plain navigation to another app: the silent round trip signs it in, no page shown.
    const visited: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) visited.push(frame.url());
    });
    await page.goto(`${market}/`);
    expect(page.url()).toBe(`${market}/`);
    expect(await page.locator('.account-name').textContent()).toBe(email);
    expect(visited).toEqual([`${market}/`]);

    // Sign out at market: the provider's confirmation submits itself (external script, CSP-safe).
    await page.goto(`${market}/auth/logout`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${market}/`);
    expect(await page.locator('.account-name').count()).toBe(0);
    await page.goto(`${blog}/`);
    expect(await page.locator('.account-name').count()).toBe(0);
    expect(cspErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await context.close();
  });
});
