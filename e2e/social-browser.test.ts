/**
 * Browser journey for the social hub: a member signs in at federation with the mailed link,
 * chooses a username, finds a remote account (the independent stub server) by @user@host,
 * follows it (the stub accepts), sees its new post in the home timeline, replies, and the stub
 * receives the reply signed with the member's key.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { launchChromium } from '../shared/src/testing/browser.ts';
import { type RemoteActor, RemoteFediverse } from '../shared/src/testing/remote-fediverse.ts';
import { linkFrom, type SmtpReceiver, startSmtpReceiver } from '../shared/src/testing/smtp.ts';

const EMAIL = 'jo@social.test';
let smtp: SmtpReceiver;
let cluster: Cluster;
let browser: Browser;
let remote: RemoteFediverse;
let rob: RemoteActor;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  remote = await RemoteFediverse.start();
  rob = remote.addActor('rob', { name: 'Rob Remote', sharedInbox: true });
  // The federation app runs its EventProcessor itself, as in production.
  cluster = await startCluster(['federation'], { env: { SMTP_URL: smtp.url, RUN_EVENT_PROCESSOR: 'true' } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await remote?.close();
  await cluster?.close();
  await smtp?.close();
});

/** Reloads until `text` shows (the EventProcessor works in the background). */
async function reloadUntil(page: Page, text: string, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if ((await page.content()).includes(text)) return;
    if (Date.now() > until) throw new Error(`"${text}" never showed on ${page.url()}`);
    await new Promise((r) => setTimeout(r, 300));
    await page.reload();
  }
}

describe('social hub journey', () => {
  it('sign in → choose a username → follow a remote account → see their post → reply, signed', async () => {
    const fed = cluster.url('federation');
    const memberUri = `${fed}/users/jo`;
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });

    // Sign in: the hub sends an anonymous visitor to the magic-link login and back.
    await page.goto(`${fed}/social/home`);
    await page.getByLabel('E-mail address').fill(EMAIL);
    await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
    const mail = await smtp.waitForMail(EMAIL);
    await page.goto(linkFrom(mail, `${fed}/auth/magic/`));
    await page.getByRole('button', { name: 'Continue' }).click();

    // No username yet: the hub asks for one.
    await page.waitForURL(`${fed}/social/profile`);
    await page.getByLabel('Username').fill('jo');
    await page.getByRole('button', { name: 'Choose username' }).click();
    await page.waitForURL(`${fed}/social/profile`);
    expect(await page.getByText(`You are @jo`).first().textContent()).toContain('@jo');

    // Find Rob by his address and follow him.
    await page.getByRole('link', { name: 'Find people' }).click();
    await page.getByLabel('Their fediverse address or profile URL').fill(`@rob@${remote.host}`);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.waitForURL(/\/social\/accounts\/\d+$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Rob Remote');
    await page.getByRole('button', { name: 'Follow', exact: true }).click();
    await reloadUntil(page, 'Unfollow');
    const follow = remote.received.find((p) => p.json?.['type'] === 'Follow');
    expect(follow?.verified, follow?.verifyError ?? '').toBe(true);
    expect(follow?.keyId).toBe(`${memberUri}#main-key`);

    // Rob posts; it shows in Jo's home timeline.
    const { note, create } = remote.note(rob, '<p>Tomatoes are ripening</p>');
    expect((await remote.signedPost(rob, `${memberUri}/inbox`, create)).status).toBe(202);
    await page.getByRole('link', { name: 'Home' }).click();
    await reloadUntil(page, 'Tomatoes are ripening');

    // Jo replies from the thread.
    await page
      .locator('article', { hasText: 'Tomatoes are ripening' })
      .getByRole('link', { name: 'Reply' })
      .click();
    await page.waitForURL(/\/social\/notes\/\d+#reply$/);
    const box = page.getByLabel('Your reply');
    expect(await box.inputValue()).toBe(`@rob@${remote.host} `);
    await box.press('End');
    await box.pressSequentially('Save me some!');
    await page.getByRole('button', { name: 'Reply', exact: true }).click();
    await page.getByText('Save me some!').first().waitFor();

    // Rob's server gets the reply, signed with Jo's key.
    await remote.waitFor(
      () => remote.received.some((p) => p.json?.['type'] === 'Create' && p.body.includes('Save me some!')),
      15_000,
    );
    const reply = remote.received.find(
      (p) => p.json?.['type'] === 'Create' && p.body.includes('Save me some!'),
    );
    expect(reply?.verified, reply?.verifyError ?? '').toBe(true);
    expect(reply?.keyId).toBe(`${memberUri}#main-key`);
    expect(reply?.json).toMatchObject({
      actor: memberUri,
      object: { type: 'Note', inReplyTo: note['id'], tag: [{ type: 'Mention', href: rob.id }] },
    });
    expect(errors).toEqual([]);
    await context.close();
  });
});
