import { magicLinks, oidcPayloads } from '@rose-ash/shared/db/schema/users.ts';
import {
  consumeMagicLink,
  consumeMagicLinkByCode,
  findLiveMagicLink,
  issueMagicLink,
  MAX_CODE_ATTEMPTS,
  purgeExpiredMagicLinks,
} from '@rose-ash/shared/services/federation/magic-link-service.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { Browser, formField, listen } from '@rose-ash/shared/testing/http.ts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createOidcAdapter, purgeExpiredOidcPayloads } from '../src/services/oidc-adapter.ts';

let t: TestApp;
let dev: TestApp;

beforeAll(async () => {
  t = await buildTestApp(buildApp);
  dev = await buildTestApp(buildApp, {
    config: testConfig({ env: { NODE_ENV: 'development' } }),
    database: t.database,
    cache: t.cache,
  });
});
afterAll(async () => {
  await dev.close();
  await t.close();
});

const KEY = 'test-code-key';
const request = (email: string) => ({
  email,
  returnTo: null,
  interactionUid: null,
  ip: '127.0.0.1',
  codeKey: KEY,
});

describe('magic links', () => {
  it('stores only hashes, and works once', async () => {
    const db = t.database.handle.db;
    const issued = await issueMagicLink(db, request('Once@Example.test'));
    const [row] = await db.select().from(magicLinks).where(eq(magicLinks.id, issued.id));
    expect(row?.userEmail).toBe('once@example.test');
    expect(row?.tokenHash).not.toContain(issued.token);
    expect(row?.codeHash).not.toBe(issued.code);
    // Keyed: neither a plain SHA-256 of the code (reversed in milliseconds) nor usable without the key.
    const { createHash } = await import('node:crypto');
    expect(row?.codeHash).not.toBe(createHash('sha256').update(issued.code).digest('hex'));
    expect(await consumeMagicLinkByCode(db, issued.id, issued.code, 'another-key')).toEqual({
      ok: false,
      reason: 'invalid',
    });
    expect(row?.expiresAt.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    expect(await findLiveMagicLink(db, issued.token)).not.toBeNull();
    const [a, b] = await Promise.all([
      consumeMagicLink(db, issued.token),
      consumeMagicLink(db, issued.token),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(await findLiveMagicLink(db, issued.token)).toBeNull();
  });

  it('counts wrong codes and stops accepting the code after too many', async () => {
    const db = t.database.handle.db;
    const issued = await issueMagicLink(db, request('guess@example.test'));
    const wrong = issued.code === '000000' ? '111111' : '000000';
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) {
      expect(await consumeMagicLinkByCode(db, issued.id, wrong, KEY)).toEqual({
        ok: false,
        reason: 'invalid',
      });
    }
    expect(await consumeMagicLinkByCode(db, issued.id, issued.code, KEY)).toEqual({
      ok: false,
      reason: 'too-many-attempts',
    });
    // The link itself still works.
    expect(await consumeMagicLink(db, issued.token)).not.toBeNull();
  });

  it('accepts the right code once', async () => {
    const db = t.database.handle.db;
    const issued = await issueMagicLink(db, request('code@example.test'));
    const first = await consumeMagicLinkByCode(db, issued.id, issued.code, KEY);
    expect(first.ok).toBe(true);
    expect(await consumeMagicLinkByCode(db, issued.id, issued.code, KEY)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(await consumeMagicLink(db, issued.token)).toBeNull();
  });

  it('purges links expired for more than a day', async () => {
    const db = t.database.handle.db;
    const issued = await issueMagicLink(db, request('old@example.test'));
    await db
      .update(magicLinks)
      .set({ expiresAt: new Date(Date.now() - 2 * 24 * 3600_000) })
      .where(eq(magicLinks.id, issued.id));
    expect(await purgeExpiredMagicLinks(db)).toBeGreaterThanOrEqual(1);
    expect(await db.select().from(magicLinks).where(eq(magicLinks.id, issued.id))).toEqual([]);
  });
});

describe('OIDC storage', () => {
  it('finds by id and uid, marks consumption, hides and purges expired rows', async () => {
    const db = t.database.handle.db;
    const Adapter = createOidcAdapter(db);
    const codes = new Adapter('AuthorizationCode');
    await codes.upsert('c1', { uid: 'u1', grantId: 'g1', accountId: '5' }, 60);
    expect(await codes.find('c1')).toMatchObject({ accountId: '5' });
    expect(await codes.findByUid('u1')).toMatchObject({ grantId: 'g1' });
    await codes.consume('c1');
    expect((await codes.find('c1'))?.consumed).toBeTruthy();
    await codes.revokeByGrantId('g1');
    expect(await codes.find('c1')).toBeUndefined();

    const sessions = new Adapter('Session');
    await sessions.upsert('s1', { accountId: '5' }, 60);
    await db
      .update(oidcPayloads)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(oidcPayloads.id, 's1'));
    expect(await sessions.find('s1')).toBeUndefined();
    expect(await purgeExpiredOidcPayloads(db)).toBeGreaterThanOrEqual(1);
  });
});

describe('provider and pages', () => {
  it('publishes discovery with the configured issuer, S256 PKCE and back-channel logout', async () => {
    const res = await t.app.inject({ url: '/oidc/.well-known/openid-configuration' });
    expect(res.statusCode).toBe(200);
    const meta = res.json();
    expect(meta.issuer).toBe(`${t.config.apps.federation.publicUrl}/oidc`);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.backchannel_logout_supported).toBe(true);
    const jwks = (await t.app.inject({ url: '/oidc/jwks' })).json();
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it('shows /dev/mail in development only', async () => {
    expect((await t.app.inject({ url: '/dev/mail', headers: { accept: 'text/html' } })).statusCode).toBe(404);
    const url = await listen(dev.app);
    const browser = new Browser();
    const form = await browser.get(`${url}/auth/login`);
    const sent = await browser.post(`${url}/auth/magic-link`, {
      _csrf: formField(form.text, '_csrf') ?? '',
      email: 'dev@example.test',
    });
    expect(sent.status).toBe(200);
    const outbox = await browser.get(`${url}/dev/mail`);
    expect(outbox.status).toBe(200);
    expect(outbox.text).toContain('dev@example.test');
    expect(outbox.text).toContain('/auth/magic/');
  });

  it('answers "check your mail" for an address nobody has, 400 to a bad one, 403 without CSRF', async () => {
    const url = await listen(t.app);
    const browser = new Browser();
    const form = await browser.get(`${url}/auth/login`);
    const csrf = formField(form.text, '_csrf') ?? '';
    const unknown = await browser.post(`${url}/auth/magic-link`, {
      _csrf: csrf,
      email: 'nobody@example.test',
    });
    expect(unknown.status).toBe(200);
    expect(unknown.text).toContain('Check your mail');
    const bad = await browser.post(`${url}/auth/magic-link`, { _csrf: csrf, email: 'not an address' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('valid e-mail address');
    const noCsrf = await browser.post(`${url}/auth/magic-link`, { email: 'x@example.test' });
    expect(noCsrf.status).toBe(403);
  });
});

describe('sign-in hardening', () => {
  let h: TestApp;
  let url: string;
  beforeAll(async () => {
    h = await buildTestApp(buildApp, { database: t.database, cache: t.cache });
    url = await listen(h.app);
  });
  afterAll(() => h?.close());
  /** A browser that asked for a link, with its "check your mail" page. */
  async function asked(email: string, browser = new Browser()) {
    const form = await browser.get(`${url}/auth/login`);
    const sent = await browser.post(`${url}/auth/magic-link`, {
      _csrf: formField(form.text, '_csrf') ?? '',
      email,
    });
    expect(sent.status).toBe(200);
    return {
      browser,
      ref: formField(sent.text, 'ref') ?? '',
      csrf: formField(sent.text, '_csrf') ?? '',
    };
  }

  it('answers a code only in the browser that asked for it', async () => {
    const victim = await asked('victim@example.test');
    // An attacker who learned the victim's ref, with a browser of their own.
    const attacker = await asked('attacker@example.test');
    const stolen = await attacker.browser.post(`${url}/auth/code`, {
      _csrf: attacker.csrf,
      ref: victim.ref,
      code: '123456',
    });
    expect(stolen.status).toBe(400);
    expect(stolen.text).toContain('does not work here');
    const [row] = await t.database.handle.db
      .select()
      .from(magicLinks)
      .where(eq(magicLinks.id, Number(victim.ref)));
    expect(row?.codeAttempts).toBe(0);
  });

  it('answers 429 once one client has guessed too many codes', async () => {
    let last = 0;
    let tries = 0;
    for (; tries < 40 && last !== 429; tries++) {
      // A fresh link now and then, so the per-link limit alone would never stop the guessing.
      const { browser, ref, csrf } = await asked(`guesser${Math.floor(tries / 4)}@example.test`);
      last = (await browser.post(`${url}/auth/code`, { _csrf: csrf, ref, code: '000000' })).status;
    }
    expect(last).toBe(429);
    expect(tries).toBeLessThanOrEqual(21);
  });

  it('never redirects off-site through returnTo or fallback', async () => {
    const browser = new Browser();
    for (const target of [
      '/.//evil.example',
      '/..//evil.example',
      '/%2e//evil.example',
      '/a/..//evil.example',
      'https://evil.example/',
    ]) {
      const form = await browser.get(`${url}/auth/login?returnTo=${encodeURIComponent(target)}`);
      expect(form.status).toBe(200);
      expect(form.text).not.toContain('evil.example');
      const interaction = await t.app.inject({
        url: `/interaction/nope?fallback=${encodeURIComponent(target)}`,
        headers: { accept: 'text/html' },
      });
      expect(interaction.statusCode).toBe(400);
      expect(String(interaction.headers.location ?? '')).not.toContain('evil.example');
    }
  });
});

describe('the provider and probing (issue 18)', () => {
  let p: TestApp;
  let url: string;
  beforeAll(async () => {
    p = await buildTestApp(buildApp, { database: t.database, cache: t.cache });
    url = await listen(p.app);
  });
  afterAll(() => p?.close());
  it('answers /oidc/* with the security headers every page carries', async () => {
    const res = await t.app.inject({ url: '/oidc/session/end', headers: { accept: 'text/html' } });
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBeTruthy();
  });

  it('keeps an anonymous visitor’s provider session minutes, not days', async () => {
    const db = t.database.handle.db;
    const before = await db
      .select({ id: oidcPayloads.id })
      .from(oidcPayloads)
      .where(eq(oidcPayloads.model, 'Session'));
    await t.app.inject({ url: '/oidc/session/end', headers: { accept: 'text/html' } });
    const rows = await db.select().from(oidcPayloads).where(eq(oidcPayloads.model, 'Session'));
    const fresh = rows.filter((r) => !before.some((b) => b.id === r.id));
    for (const row of fresh)
      expect(row.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 10 * 60_000 + 5_000);
  });

  it('limits anonymous requests that make the provider store state, per client', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 62; i++) {
      const res = await p.app.inject({ url: '/oidc/session/end', headers: { accept: 'text/html' } });
      statuses.push(res.statusCode);
    }
    expect(statuses).toContain(429);
  });

  it('does not believe X-Forwarded-For from anyone: the per-client link limit holds, junk is no 500', async () => {
    const browser = new Browser();
    const form = await browser.get(`${url}/auth/login`);
    const csrf = formField(form.text, '_csrf') ?? '';
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) {
      const res = await browser.post(
        `${url}/auth/magic-link`,
        { _csrf: csrf, email: `xff${i}@example.test` },
        { headers: { 'x-forwarded-for': i % 2 ? `10.9.${i}.1` : 'not-an-ip' } },
      );
      statuses.push(res.status);
    }
    expect(statuses.every((s) => s < 500)).toBe(true);
    expect(statuses).toContain(429);
  });
});
