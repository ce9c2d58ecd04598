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

const request = (email: string) => ({ email, returnTo: null, interactionUid: null, ip: '127.0.0.1' });

describe('magic links', () => {
  it('stores only hashes, and works once', async () => {
    const db = t.database.handle.db;
    const issued = await issueMagicLink(db, request('Once@Example.test'));
    const [row] = await db.select().from(magicLinks).where(eq(magicLinks.id, issued.id));
    expect(row?.userEmail).toBe('once@example.test');
    expect(row?.tokenHash).not.toContain(issued.token);
    expect(row?.codeHash).not.toBe(issued.code);
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
      expect(await consumeMagicLinkByCode(db, issued.id, wrong)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(await consumeMagicLinkByCode(db, issued.id, issued.code)).toEqual({
      ok: false,
      reason: 'too-many-attempts',
    });
    // The link itself still works.
    expect(await consumeMagicLink(db, issued.token)).not.toBeNull();
  });

  it('accepts the right code once', async () => {
    const db = t.database.handle.db;
    const issued = await issueMagicLink(db, request('code@example.test'));
    const first = await consumeMagicLinkByCode(db, issued.id, issued.code);
    expect(first.ok).toBe(true);
    expect(await consumeMagicLinkByCode(db, issued.id, issued.code)).toEqual({
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
