/**
 * Changing the e-mail address: the link goes to the new address (a real SMTP receiver), the
 * old one is told; opening the link shows a button (mail scanners), pressing it changes the
 * address everywhere (the sessions of every app too); a link works once, and never for an
 * address someone else took meanwhile.
 */
import { users } from '@rose-ash/shared/db/schema/index.ts';
import { SessionStore } from '@rose-ash/shared/infrastructure/sessions.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { linkFrom, type SmtpReceiver, startSmtpReceiver } from '@rose-ash/shared/testing/smtp.ts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { formCookies, submit } from './helpers.ts';

let smtp: SmtpReceiver;
let t: TestApp;
beforeAll(async () => {
  smtp = await startSmtpReceiver();
  t = await buildTestApp(buildApp, { config: testConfig({ env: { SMTP_URL: smtp.url } }) });
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

/** Opens a mailed confirmation link (GET), then presses its button (POST) in the same browser. */
async function confirm(link: string, cookies: Record<string, string> = {}) {
  const path = new URL(link).pathname;
  const page = await formCookies(t, path, cookies);
  return {
    page: page.body,
    result: await t.app.inject({
      method: 'POST',
      url: path,
      cookies: page.cookies,
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: page.csrf }).toString(),
    }),
  };
}

describe('e-mail change', () => {
  it('mails a link to the new address, tells the old one, and changes it once confirmed', async () => {
    const { cookies, userId } = await signInAs(t.app, 'before@example.test', 'Bea Before');
    // Another app's session of the same member, as the cart would hold it.
    const cartSession = await new SessionStore(t.cache, 'cart').create({
      user: { id: userId, email: 'before@example.test', name: 'Bea Before', username: null },
      sub: String(userId),
      sid: 'cart-sid',
      idToken: null,
    });

    const res = await submit(t, '/profile/email', '/profile', cookies, { email: 'After@Example.test ' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('after@example.test');

    const linkMail = await smtp.waitForMail('after@example.test');
    expect(linkMail.subject).toContain('Confirm your new');
    const told = await smtp.waitForMail('before@example.test');
    expect(told.text).toContain('after@example.test');
    const link = linkFrom(linkMail, `${t.config.apps.account.publicUrl}/confirm/`);

    // Nothing changes until the link is used; the GET alone changes nothing either.
    const { page, result } = await confirm(link);
    expect(page).toContain('Confirm your new address');
    expect(page).toContain('before@example.test');
    expect(result.statusCode).toBe(303);
    const [row] = await t.database.handle.db.select().from(users).where(eq(users.id, userId));
    expect(row?.email).toBe('after@example.test');
    expect(row?.emailVerifiedAt).not.toBeNull();
    const changed = await smtp.waitForMail('before@example.test');
    expect(changed.subject).toContain('changed');

    // Every app's session now carries the new address.
    expect((await t.app.sessions.listBySub(String(userId)))[0]?.user.email).toBe('after@example.test');
    expect((await new SessionStore(t.cache, 'cart').get(cartSession.id))?.user.email).toBe(
      'after@example.test',
    );

    // Once only.
    const again = await t.app.inject({ url: new URL(link).pathname, headers: { accept: 'text/html' } });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('This link no longer works');
  });

  it('refuses its own address, a taken one and a malformed one, at once', async () => {
    const { cookies } = await signInAs(t.app, 'refuse@example.test', 'Ray Refuse');
    await signInAs(t.app, 'taken@example.test', 'Tak En');
    const same = await submit(t, '/profile/email', '/profile', cookies, { email: 'refuse@example.test' });
    expect(same.statusCode).toBe(400);
    expect(same.body).toContain('That is already your address.');
    const taken = await submit(t, '/profile/email', '/profile', cookies, { email: 'taken@example.test' });
    expect(taken.statusCode).toBe(409);
    expect(taken.body).toContain('That address belongs to another account.');
    const bad = await submit(t, '/profile/email', '/profile', cookies, { email: 'not an address' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Please enter a valid e-mail address.');
  });

  it('does not hand over an address someone signed up with after the link was sent', async () => {
    const { cookies, userId } = await signInAs(t.app, 'slow@example.test', 'Slo W');
    await submit(t, '/profile/email', '/profile', cookies, { email: 'race@example.test' });
    const link = linkFrom(
      await smtp.waitForMail('race@example.test'),
      `${t.config.apps.account.publicUrl}/confirm/`,
    );
    await signInAs(t.app, 'race@example.test', 'Ray Ce');
    const { result } = await confirm(link);
    expect(result.statusCode).toBe(409);
    const [row] = await t.database.handle.db.select().from(users).where(eq(users.id, userId));
    expect(row?.email).toBe('slow@example.test');
  });

  it('limits how many links a member may ask for', async () => {
    const { cookies } = await signInAs(t.app, 'eager@example.test', 'Ea Ger');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await submit(t, '/profile/email', '/profile', cookies, { email: `eager${i}@example.test` });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });

  it('answers a made-up or malformed link with the same page', async () => {
    for (const token of ['a'.repeat(43), 'short', '<script>alert(1)</script>']) {
      const res = await t.app.inject({
        url: `/confirm/${encodeURIComponent(token)}`,
        headers: { accept: 'text/html' },
      });
      expect([400, 404], token).toContain(res.statusCode);
      expect(res.body).not.toContain('<script>alert(1)</script>');
    }
  });
});
