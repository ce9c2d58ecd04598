/**
 * Browser journey for the blog editor: an admin signs in with the mailed link, writes a post
 * with a heading, a list and a link in the TipTap editor, publishes it; the post shows on the
 * home page and in the RSS, and the blog actor's outbox holds its Create(Article).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { launchChromium } from '../shared/src/testing/browser.ts';
import { linkFrom, type SmtpReceiver, startSmtpReceiver } from '../shared/src/testing/smtp.ts';

const ADMIN = 'writer@rose-ash.test';
const repoRoot = join(import.meta.dirname, '..');
let smtp: SmtpReceiver;
let cluster: Cluster;
let browser: Browser;

beforeAll(async () => {
  // The editor bundle is build output (`pnpm build`); make sure this run has it.
  if (!existsSync(join(repoRoot, 'shared/static/editor/editor.js'))) {
    execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'shared/editor/build.ts')], {
      cwd: repoRoot,
    });
  }
  smtp = await startSmtpReceiver();
  cluster = await startCluster(['federation', 'blog'], { env: { SMTP_URL: smtp.url, ADMIN_EMAILS: ADMIN } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cluster?.close();
  await smtp?.close();
});

describe('blog editor journey', () => {
  it('an admin writes a post with a heading, a list and a link, publishes it, and it goes out', async () => {
    const blog = cluster.url('blog');
    const fed = cluster.url('federation');
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    page.on('pageerror', (err) => errors.push(err.message));

    // Sign in: the admin page sends an anonymous visitor to the magic-link login.
    await page.goto(`${blog}/admin/posts/new`);
    await page.waitForURL(new RegExp(`^${fed}/interaction/`));
    await page.getByLabel('E-mail address').fill(ADMIN);
    await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
    const mail = await smtp.waitForMail(ADMIN);
    await page.goto(linkFrom(mail, `${fed}/auth/magic/`));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${blog}/admin/posts/new`);

    // The rich-text editor replaced the textarea.
    const editor = page.locator('.editor-content');
    await editor.waitFor();
    await page.getByLabel('Title').fill('Seeds for spring');
    await editor.click();
    // A toolbar click hands focus back to the editor; wait for it before typing on.
    const tool = async (name: string) => {
      await page.getByRole('button', { name, exact: true }).click();
      await page.waitForFunction(() => document.activeElement?.classList.contains('editor-content'));
    };
    await tool('Heading');
    await page.keyboard.type('What to sow now');
    await page.keyboard.press('Enter');
    await tool('Bulleted list');
    await page.keyboard.type('Broad beans');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Sweet peas');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Read the seed guide');
    // Select the last line and make it a link (the editor asks for the address).
    await page.keyboard.down('Shift');
    await page.keyboard.press('Home');
    await page.keyboard.up('Shift');
    page.once('dialog', (dialog) => dialog.accept('https://seeds.example/guide'));
    await tool('Link');
    await page.getByLabel('Tags').fill('Garden');
    // Autosave creates the draft a couple of seconds after typing stops, and the page becomes
    // that draft's edit page.
    await page.getByText(/Draft saved at/).waitFor({ timeout: 10_000 });
    expect(page.url()).toMatch(/\/admin\/posts\/\d+\/edit$/);

    await page.getByRole('button', { name: 'Publish now' }).click();
    await page.waitForURL(/\/admin\/posts\/\d+\/edit\?saved=publish/);
    expect(await page.getByRole('status').first().textContent()).toContain('Published');

    // On the home page and the post page, with the formatting kept.
    await page.goto(`${blog}/`);
    expect(await page.getByRole('link', { name: 'Seeds for spring' }).count()).toBeGreaterThan(0);
    const html = await (
      await fetch(`${blog}/seeds-for-spring/`, { headers: { accept: 'text/html' } })
    ).text();
    expect(html).toContain('<h2>What to sow now</h2>');
    expect(html).toMatch(/<ul><li><p>Broad beans<\/p><\/li><li><p>Sweet peas<\/p><\/li><\/ul>/);
    expect(html).toMatch(/<a [^>]*href="https:\/\/seeds\.example\/guide"[^>]*>Read the seed guide<\/a>/);

    // In the RSS.
    const rss = await (await fetch(`${blog}/rss/`)).text();
    expect(rss).toContain('<title><![CDATA[Seeds for spring]]></title>');

    // In the blog actor's outbox as Create(Article).
    const outbox = (await (
      await fetch(`${blog}/ap/actor/outbox?page=1`, { headers: { accept: 'application/activity+json' } })
    ).json()) as { orderedItems: { type: string; object: { type: string; name: string } }[] };
    expect(outbox.orderedItems).toContainEqual(
      expect.objectContaining({
        type: 'Create',
        object: expect.objectContaining({ type: 'Article', name: 'Seeds for spring' }),
      }),
    );
    expect(errors.filter((e) => /Content Security Policy|TypeError|ReferenceError/.test(e))).toEqual([]);
    await context.close();
  });
});
