import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/infrastructure/factory.ts';
import { safeReturnTo, wantsSilentSso } from '../../src/infrastructure/oauth.ts';
import { requireAdmin, requireUser, SessionStore, startSession } from '../../src/infrastructure/sessions.ts';
import { buildTestApp, type TestApp } from '../../src/testing/app.ts';
import { testConfig } from '../../src/testing/config.ts';

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp(
    async (deps) => {
      const app = await createApp('market', deps);
      // Test-only sign-in: what /auth/callback does after a successful code exchange.
      app.post('/test/sign-in', async (request, reply) => {
        const { email, sid } = request.body as { email: string; sid: string };
        await startSession(request, reply, {
          user: { id: 7, email, name: 'Tess', username: null },
          sub: '7',
          sid,
          idToken: null,
        });
        return { ok: true };
      });
      app.get('/members', { preHandler: requireUser }, async (request) => ({ email: request.user?.email }));
      app.get('/admins', { preHandler: requireAdmin }, async (request) => ({ email: request.user?.email }));
      app.get('/page', async (_request, reply) => reply.view('app-home.njk', { heading: 'Page' }));
      return app;
    },
    { config: testConfig({ env: { ADMIN_EMAILS: 'chief@example.test' } }) },
  );
});
afterAll(() => t.close());

async function signIn(email: string, sid = 'sid-1') {
  const res = await t.app.inject({ method: 'POST', url: '/test/sign-in', payload: { email, sid } });
  const cookie = res.cookies.find((c) => c.name === 'market_session');
  if (!cookie) throw new Error('no session cookie');
  return { cookie, header: `market_session=${cookie.value}` };
}

describe('sessions', () => {
  it('sets a host-only, HttpOnly, SameSite=Lax, signed cookie named after the app', async () => {
    const { cookie } = await signIn('tess@example.test');
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    expect(cookie.domain).toBeUndefined();
    expect(cookie.path).toBe('/');
    expect(cookie.secure).toBeFalsy();
    expect(cookie.value).toContain('.');
  });

  it('loads request.user and shows the member in the layout', async () => {
    const { header } = await signIn('tess@example.test');
    const res = await t.app.inject({ url: '/page', headers: { cookie: header, accept: 'text/html' } });
    expect(res.body).toContain('<span class="account-name">Tess</span>');
    const anonymous = await t.app.inject({ url: '/page', headers: { accept: 'text/html' } });
    expect(anonymous.body).toContain('href="/auth/login');
    expect(anonymous.body).not.toContain('account-name');
  });

  it('ignores a tampered cookie', async () => {
    const { cookie } = await signIn('tess@example.test');
    const tampered = `market_session=${cookie.value.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`;
    const res = await t.app.inject({
      url: '/members',
      headers: { cookie: tampered, accept: 'application/json' },
    });
    expect(res.statusCode).toBe(401);
  });

  it('gives every sign-in a new id and ends the previous one', async () => {
    const first = await signIn('tess@example.test');
    const again = await t.app.inject({
      method: 'POST',
      url: '/test/sign-in',
      payload: { email: 'tess@example.test', sid: 'sid-2' },
      headers: { cookie: first.header },
    });
    const second = again.cookies.find((c) => c.name === 'market_session');
    expect(second?.value).not.toBe(first.cookie.value);
    const old = await t.app.inject({
      url: '/members',
      headers: { cookie: first.header, accept: 'application/json' },
    });
    expect(old.statusCode).toBe(401);
  });

  it('sees a changed session record at the next request (records are kept parsed between changes)', async () => {
    const { header } = await signIn('before@example.test', 'sid-change');
    const ask = () =>
      t.app.inject({ url: '/members', headers: { cookie: header, accept: 'application/json' } });
    expect((await ask()).json()).toEqual({ email: 'before@example.test' });
    expect((await ask()).json()).toEqual({ email: 'before@example.test' }); // now held parsed
    const session = (await t.app.sessions.listBySub('7')).find((x) => x.sid === 'sid-change');
    expect(
      await t.app.sessions.update(session!.id, (d) => ({
        ...d,
        user: { ...d.user, email: 'after@example.test' },
      })),
    ).toBe(true);
    expect((await ask()).json()).toEqual({ email: 'after@example.test' });
    await t.app.sessions.destroy(session!.id);
    expect((await ask()).statusCode).toBe(401);
  });

  it('finds and ends sessions by provider sid and by sub', async () => {
    const a = await signIn('tess@example.test', 'sid-x');
    const b = await signIn('tess@example.test', 'sid-y');
    expect(await t.app.sessions.destroyBySid('sid-x')).toBe(1);
    const ask = (h: string) =>
      t.app.inject({ url: '/members', headers: { cookie: h, accept: 'application/json' } });
    expect((await ask(a.header)).statusCode).toBe(401);
    expect((await ask(b.header)).statusCode).toBe(200);
    expect(await t.app.sessions.destroyBySub('7')).toBeGreaterThanOrEqual(1);
    expect((await ask(b.header)).statusCode).toBe(401);
  });

  it('keeps each app in its own namespace', async () => {
    const blogStore = new SessionStore(t.cache, 'blog');
    const created = await blogStore.create({
      user: { id: 1, email: 'x@example.test', name: null, username: null },
      sub: '1',
      sid: 's',
      idToken: null,
    });
    expect(await t.app.sessions.get(created.id)).toBeNull();
    expect(await blogStore.get(created.id)).not.toBeNull();
  });
});

describe('requireUser and requireAdmin', () => {
  it('redirects anonymous pages to sign-in and answers 401 to JSON callers', async () => {
    const page = await t.app.inject({ url: '/members?x=1', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/auth/login?returnTo=%2Fmembers%3Fx%3D1');
    const api = await t.app.inject({ url: '/members', headers: { accept: 'application/json' } });
    expect(api.statusCode).toBe(401);
    expect(api.json().error.code).toBe('AUTH_SESSION_REQUIRED');
  });

  it('answers 403 to a member and lets a configured admin in', async () => {
    const member = await signIn('tess@example.test');
    const refused = await t.app.inject({
      url: '/admins',
      headers: { cookie: member.header, accept: 'text/html' },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Only administrators can do that');
    const admin = await signIn('Chief@Example.test');
    const ok = await t.app.inject({
      url: '/admins',
      headers: { cookie: admin.header, accept: 'application/json' },
    });
    expect(ok.statusCode).toBe(200);
  });
});

describe('client routes', () => {
  it('refuses a callback without the matching state cookie', async () => {
    const res = await t.app.inject({
      url: '/auth/callback?state=abc&code=xyz',
      headers: { accept: 'text/html' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.cookies.some((c) => c.name === 'market_session')).toBe(false);
  });

  it('protects POST /auth/logout with CSRF', async () => {
    const { header } = await signIn('tess@example.test');
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie: header },
      payload: {},
    });
    expect(res.statusCode).toBe(403);
    expect(
      (await t.app.inject({ url: '/members', headers: { cookie: header, accept: 'application/json' } }))
        .statusCode,
    ).toBe(200);
  });

  it('answers 400 to a back-channel call without a token', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/auth/backchannel-logout', payload: {} });
    expect(res.statusCode).toBe(400);
  });
});

describe('safeReturnTo', () => {
  it.each([
    ['/posts/a?b=1#c', '/posts/a?b=1#c'],
    ['https://evil.example/', '/'],
    ['//evil.example/x', '/'],
    ['/\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['posts', '/'],
    ['/ok\nSet-Cookie: x', '/'],
    [undefined, '/'],
    // Dot segments that normalise into a protocol-relative URL (found by probing).
    ['/.//evil.example', '/'],
    ['/..//evil.example', '/'],
    ['/%2e//evil.example', '/'],
    ['/a/..//evil.example', '/'],
    ['/a/../b', '/b'],
  ])('%s → %s', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });
});

describe('wantsSilentSso', () => {
  const base = {
    method: 'GET',
    user: null,
    wantsJson: false,
    url: '/posts/x',
    routeOptions: { url: '/posts/:slug' },
    cookies: {} as Record<string, string>,
    headers: {
      accept: 'text/html,application/xhtml+xml',
      'sec-fetch-dest': 'document',
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130',
    } as Record<string, string>,
  };
  const ask = (over: Partial<typeof base>) =>
    wantsSilentSso({ ...base, ...over } as unknown as FastifyRequest, 'blog_sso_checked');

  it('answers a first anonymous page navigation', () => {
    expect(ask({})).toBe(true);
  });

  it('never answers bots, feeds, fragments, APIs, ActivityPub, scripts or repeat visits', () => {
    expect(ask({ headers: { ...base.headers, 'user-agent': 'Googlebot/2.1' } })).toBe(false);
    expect(ask({ url: '/rss/' })).toBe(false);
    expect(ask({ url: '/calendar/1.ics' })).toBe(false);
    expect(ask({ url: '/internal/fragments/nav' })).toBe(false);
    expect(ask({ url: '/api/cart' })).toBe(false);
    expect(ask({ headers: { ...base.headers, accept: 'application/activity+json, text/html' } })).toBe(false);
    expect(ask({ url: '/users/alice' })).toBe(false);
    expect(ask({ headers: { ...base.headers, 'sec-fetch-dest': 'empty' } })).toBe(false);
    expect(ask({ headers: { accept: 'text/html' } })).toBe(false);
    expect(ask({ cookies: { blog_sso_checked: '1' } })).toBe(false);
    expect(ask({ method: 'POST' })).toBe(false);
    expect(ask({ routeOptions: {} as { url: string } })).toBe(false);
    expect(ask({ user: { id: 1 } as never })).toBe(false);
  });
});
