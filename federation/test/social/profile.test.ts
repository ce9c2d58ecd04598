/**
 * Members' fediverse identity: the username (rules, reserved names, case-insensitive
 * uniqueness, once), display name and bio on the actor (escaped, sanitised), and the avatar
 * (type from its bytes, resized server-side, on the actor as `icon`, announced with Update).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apActivities, users } from '@rose-ash/shared/db/schema/index.ts';
import { checkUsername } from '@rose-ash/shared/services/federation/social-text.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { AS, formSession, memberWithHandle, multipart, postForm } from './helpers.ts';

let t: TestApp;
let mediaDir: string;

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'ra-avatars-'));
  t = await buildTestApp(buildApp, { config: testConfig({ env: { MEDIA_DIR: mediaDir } }) });
});
afterAll(async () => {
  await t?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

const choose = (cookies: Record<string, string>, username: string) =>
  postForm(t.app, '/social/profile', '/social/profile/username', cookies, { username });

describe('username', () => {
  it('follows the rules: 1–30 of a-z0-9_, case folded, app names and admin words reserved', () => {
    expect(checkUsername('Ann_99')).toEqual({ ok: true, username: 'ann_99' });
    expect(checkUsername('@bob')).toEqual({ ok: true, username: 'bob' });
    for (const bad of ['', 'a'.repeat(31), 'ann.b', 'ann-b', 'ánn', 'a b', '<script>']) {
      expect(checkUsername(bad), bad).toEqual({ ok: false, reason: 'invalid' });
    }
    for (const reserved of [
      'blog',
      'market',
      'cart',
      'events',
      'federation',
      'account',
      'admin',
      'root',
      'Admin',
    ]) {
      expect(checkUsername(reserved), reserved).toEqual({ ok: false, reason: 'reserved' });
    }
  });

  it('a member without one is sent to choose it; it is unique case-insensitively and chosen once', async () => {
    const { cookies } = await signInAs(t.app, 'nina@example.org', 'Nina');
    const home = await t.app.inject({ url: '/social/home', cookies, headers: { accept: 'text/html' } });
    expect(home.statusCode).toBe(303);
    expect(home.headers.location).toBe('/social/profile');
    const form = await formSession(t.app, '/social/profile', cookies);
    expect(form.page.body).toContain('Choose your username');

    const reserved = await choose(cookies, 'market');
    expect(reserved.statusCode).toBe(400);
    expect(reserved.body).toContain('reserved');
    const invalid = await choose(cookies, 'ni-na');
    expect(invalid.statusCode).toBe(400);

    const ok = await choose(cookies, 'Nina_K');
    expect(ok.statusCode).toBe(303);
    // The session now carries the handle (renewed cookie).
    const renewed = ok.cookies.find((c) => c.name === t.app.sessionCookieName);
    expect(renewed).toBeTruthy();
    const session = { ...cookies, [t.app.sessionCookieName]: renewed?.value as string };
    const page = await t.app.inject({
      url: '/social/profile',
      cookies: session,
      headers: { accept: 'text/html' },
    });
    expect(page.body).toContain(`@nina_k@${new URL(t.config.apps.federation.publicUrl).host}`);
    const again = await choose(session, 'nina_other');
    expect(again.statusCode).toBe(409);

    const { cookies: other } = await signInAs(t.app, 'other-nina@example.org');
    const taken = await choose(other, 'NINA_k');
    expect(taken.statusCode).toBe(409);
    expect(taken.body).toContain('taken');
    const [row] = await t.app.db.db.select().from(users).where(eq(users.email, 'nina@example.org'));
    expect(row?.username).toBe('nina_k');
  });
});

describe('profile and avatar', () => {
  it('puts display name and bio on the actor, escaped and sanitised, and tells followers', async () => {
    const { cookies, userId } = await memberWithHandle(t.app, signInAs, 'omar@example.org', 'omar');
    const saved = await postForm(t.app, '/social/profile', '/social/profile', cookies, {
      displayName: 'Omar <b>O</b>\u0007',
      bio: 'Gardener <script>alert(1)</script> see https://example.org/x\n\nSecond <img src=x onerror=alert(1)>',
      manuallyApprovesFollowers: 'on',
    });
    expect(saved.statusCode).toBe(303);
    const doc = (await t.app.inject({ url: '/users/omar', headers: { accept: AS } })).json();
    expect(doc.name).toBe('Omar <b>O</b>');
    expect(doc.summary).toContain('&lt;script&gt;');
    expect(doc.summary).not.toMatch(/<script|<img/);
    expect(doc.summary).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(doc.summary).toContain('<a href="https://example.org/x"');
    expect(doc.manuallyApprovesFollowers).toBe(true);
    expect(doc.url).toBe(`${t.config.apps.federation.publicUrl}/@omar`);
    const page = await t.app.inject({ url: '/@omar', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Omar &lt;b&gt;O&lt;/b&gt;');
    expect(page.body).not.toContain('<script>alert');
    const updates = await t.app.db.db
      .select()
      .from(apActivities)
      .where(and(eq(apActivities.type, 'Update'), eq(apActivities.actorUri, doc.id)));
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.at(-1)?.object).toMatchObject({ object: { type: 'Person', id: doc.id } });
    expect(userId).toBeGreaterThan(0);
  });

  it('takes a PNG/JPEG/WebP avatar by its bytes, resizes it to 400×400 and puts it on the actor', async () => {
    const { cookies } = await memberWithHandle(t.app, signInAs, 'pia@example.org', 'pia');
    const upload = async (data: Buffer, name: string, type: string) => {
      const session = await formSession(t.app, '/social/profile', cookies);
      return t.app.inject({
        method: 'POST',
        url: '/social/profile/avatar',
        cookies: session.cookies,
        ...multipart({ _csrf: session.csrf }, { field: 'avatar', name, data, type }),
      });
    };
    const big = await sharp({
      create: { width: 1200, height: 800, channels: 3, background: { r: 200, g: 50, b: 90 } },
    })
      .jpeg()
      .withMetadata({ exif: { IFD0: { Copyright: 'secret-location' } } })
      .toBuffer();
    const ok = await upload(big, 'me.png', 'image/png');
    expect(ok.statusCode, ok.body.slice(0, 300)).toBe(303);
    const doc = (await t.app.inject({ url: '/users/pia', headers: { accept: AS } })).json();
    expect(doc.icon).toMatchObject({ type: 'Image', mediaType: 'image/jpeg' });
    const path = new URL(doc.icon.url).pathname;
    const served = await t.app.inject({ url: path });
    expect(served.statusCode).toBe(200);
    const meta = await sharp(served.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 400, 400]);
    expect(served.rawPayload.includes(Buffer.from('secret-location'))).toBe(false);
    const stored = await readFile(join(mediaDir, path.replace('/media/', '')));
    expect(stored.length).toBe(served.rawPayload.length);

    // Named .png but really SVG / HTML: refused by its bytes.
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>');
    expect((await upload(svg, 'cat.png', 'image/png')).statusCode).toBe(400);
    const gif = Buffer.from('GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;');
    expect((await upload(gif, 'x.gif', 'image/gif')).statusCode).toBe(400);
    // A PNG header over garbage: refused when it cannot be decoded.
    const fake = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(100, 7)]);
    expect((await upload(fake, 'x.png', 'image/png')).statusCode).toBe(400);
    const webp = await sharp({
      create: { width: 50, height: 90, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } },
    })
      .webp()
      .toBuffer();
    expect((await upload(webp, 'x.webp', 'image/webp')).statusCode).toBe(303);
    const after = (await t.app.inject({ url: '/users/pia', headers: { accept: AS } })).json();
    expect(after.icon.mediaType).toBe('image/webp');
    // The replaced file is gone.
    expect((await t.app.inject({ url: path })).statusCode).toBe(404);
  });
});
