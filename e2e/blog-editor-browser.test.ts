/**
 * Browser journey for the blog editor: an admin signs in with the mailed link, writes a post
 * with a heading, a list and a link in the TipTap editor, publishes it; the post shows on the
 * home page and in the RSS, and the blog actor's outbox holds its Create(Article). Then, with
 * Ghost (the stub) behind the blog, the admin pulls Ghost's posts, edits one holding a
 * captioned image, a bookmark card and the members-only marker, sets the feature image's alt
 * text, and Ghost receives the caption, the image's alt, the card and the marker unchanged.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { sanitizePostHtml } from '../shared/src/services/blog/ghost-html.ts';
import { launchChromium } from '../shared/src/testing/browser.ts';
import { type GhostStub, startGhostStub } from '../shared/src/testing/ghost-stub.ts';
import { linkFrom, type SmtpReceiver, startSmtpReceiver } from '../shared/src/testing/smtp.ts';

const ADMIN = 'writer@rose-ash.test';
const repoRoot = join(import.meta.dirname, '..');
let smtp: SmtpReceiver;
let ghost: GhostStub;
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
  ghost = await startGhostStub({ fixturesDir: join(repoRoot, 'blog/test/fixtures/ghost') });
  cluster = await startCluster(['federation', 'blog'], {
    env: {
      SMTP_URL: smtp.url,
      ADMIN_EMAILS: ADMIN,
      GHOST_URL: ghost.url,
      GHOST_ADMIN_API_KEY: ghost.adminApiKey,
    },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cluster?.close();
  await ghost?.close();
  await smtp?.close();
});

/** Signs the admin in through the mailed magic link, landing on `path` of the blog. */
async function signIn(page: Page, path: string) {
  const blog = cluster.url('blog');
  const fed = cluster.url('federation');
  await page.goto(`${blog}${path}`);
  await page.waitForURL(new RegExp(`^${fed}/interaction/`));
  await page.getByLabel('E-mail address').fill(ADMIN);
  await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
  const mail = await smtp.waitForMail(ADMIN);
  await page.goto(linkFrom(mail, `${fed}/auth/magic/`));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${blog}${path}`);
}

describe('blog editor journey', () => {
  it('an admin writes a post with a heading, a list and a link, publishes it, and it goes out', async () => {
    const blog = cluster.url('blog');
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    page.on('pageerror', (err) => errors.push(err.message));

    // Sign in: the admin page sends an anonymous visitor to the magic-link login.
    await signIn(page, '/admin/posts/new');

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

  it('edits a Ghost post with a captioned image and a card: Ghost gets caption, alt and card unchanged', async () => {
    const blog = cluster.url('blog');
    const image = `${blog}/static/img/actors/blog.png`;
    const figure =
      `<figure class="kg-card kg-image-card kg-card-hascaption"><img src="${image}" class="kg-image" alt="Rows of leeks under frost" loading="lazy" width="400" height="400" />` +
      '<figcaption>Leeks in the <a href="https://farm.example/">top field</a></figcaption></figure>';
    const bookmark =
      '<figure class="kg-card kg-bookmark-card"><a class="kg-bookmark-container" href="https://farm.example/"><div class="kg-bookmark-content"><div class="kg-bookmark-title">Hill Farm</div><div class="kg-bookmark-description">Vegetables &amp; more</div></div></a></figure>';
    const original = `<p>Winter intro.</p>${figure}${bookmark}<p>Public end.</p><!--members-only--><p>For members.</p>`;
    const post = ghost.addPost('posts', {
      title: 'Leeks in winter',
      slug: 'leeks-in-winter',
      status: 'published',
      visibility: 'members',
      published_at: new Date(Date.now() - 3_600_000).toISOString(),
      html: original,
      feature_image: image,
      feature_image_alt: null,
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await signIn(page, '/admin/sync');
    await page.getByRole('button', { name: 'Full sync now' }).click();
    await page.getByText('The full sync finished').waitFor();

    await page.goto(`${blog}/admin/posts`);
    await page.getByRole('link', { name: 'Leeks in winter' }).click();
    const editor = page.locator('.editor-content');
    await editor.waitFor();
    // The caption is the figure's own, the card is kept whole, the marker is a divider.
    expect(await editor.locator('figure figcaption').textContent()).toBe('Leeks in the top field');
    expect(await editor.locator('figure img').getAttribute('alt')).toBe('Rows of leeks under frost');
    expect(await editor.locator('.editor-card').count()).toBe(1);
    expect(await editor.getByRole('separator').textContent()).toContain('Members only');

    await editor.getByText('Winter intro.').click();
    await page.keyboard.press('End');
    await page.keyboard.type(' Edited in the blog.');
    await page.getByLabel('Image description (alt text)').fill('Frosty leeks at dawn');
    await page.getByRole('button', { name: 'Update' }).click();
    await page.waitForURL(/\/admin\/posts\/\d+\/edit\?saved=publish/);

    const written = ghost.posts.find((p) => p.id === post.id)!;
    const html = written.html as string;
    expect(html).toContain('<p>Winter intro. Edited in the blog.</p>');
    expect(html).toContain(
      `<figure class="kg-card kg-image-card kg-card-hascaption"><img src="${image}" class="kg-image" alt="Rows of leeks under frost" loading="lazy" width="400" height="400" /><figcaption>Leeks in the <a href="https://farm.example/">top field</a></figcaption></figure>`,
    );
    // The card the editor could not edit, byte for byte as the blog stored it.
    const stored = sanitizePostHtml(original)!;
    const card = stored.slice(
      stored.indexOf('<figure class="kg-card kg-bookmark-card">'),
      stored.indexOf('<p>Public end.</p>'),
    );
    expect(card.length).toBeGreaterThan(50);
    expect(html).toContain(card);
    expect(html).toContain('<p>Public end.</p><!--members-only--><p>For members.</p>');
    expect(written.feature_image_alt).toBe('Frosty leeks at dawn');
    expect(errors).toEqual([]);
    await context.close();
  });
});
