/**
 * The social hub's routes under hostile input: contracts answer 400/404 (never 5xx), reflected
 * values come back escaped, forms without their CSRF token are refused, members-only and
 * admins-only pages say so.
 */
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { memberWithHandle } from './helpers.ts';

const XSS = '<script>alert(1)</script>';
let t: TestApp;
let member: { cookies: Record<string, string>; userId: number };

beforeAll(async () => {
  t = await buildTestApp(buildApp, { config: testConfig() });
  member = await memberWithHandle(t.app, signInAs, 'route@example.org', 'route');
});
afterAll(() => t?.close());

const get = (url: string, cookies: Record<string, string> = member.cookies) =>
  t.app.inject({ url, cookies, headers: { accept: 'text/html' } });

describe('hostile input', () => {
  it('never answers 5xx and escapes what it reflects', async () => {
    const x = encodeURIComponent(XSS);
    const cases: [string, number[]][] = [
      [`/social/search?q=${x}`, [400]],
      [`/social/search?q=${encodeURIComponent(`@${XSS}@example.org`)}`, [400]],
      [`/social/search?q=${encodeURIComponent('http://[::1')}`, [400]],
      [`/social/home?max_id=${x}`, [400]],
      ['/social/home?max_id=99999999999999999999999', [400]],
      ['/social/local?max_id=-1', [400]],
      [`/social/tags/${x}`, [404]],
      ['/social/tags/%E2%80%AE', [404]],
      [`/@${x}`, [404]],
      ['/@nobody', [404]],
      ['/@nobody/followers', [404]],
      [`/@route/${x}`, [404]],
      ['/social/notes/0', [404]],
      ['/social/notes/99999999999', [404]],
      [`/social/notes/${x}`, [404]],
      ['/social/notes/123456/edit', [404]],
      ['/social/notes/123456/report', [404]],
      ['/social/accounts/123456', [404]],
      [`/users/route/statuses/${x}`, [404]],
      ['/users/route/statuses/00000000-0000-4000-8000-000000000000', [404]],
      [`/remote-follow?uri=${x}`, [400]],
      [`/remote-follow?uri=${encodeURIComponent('javascript:alert(1)//')}&acct=a@b.c`, [400]],
      [
        `/remote-follow?uri=${encodeURIComponent(`${t.config.apps.federation.publicUrl}/users/route`)}&acct=${x}`,
        [400],
      ],
      [`/authorize_interaction?uri=${x}`, [400]],
      [`/admin/moderation/reports?status=${x}`, [403]],
    ];
    for (const [url, statuses] of cases) {
      const res = await get(url);
      expect(statuses, `${url} → ${res.statusCode}`).toContain(res.statusCode);
      expect(res.body, url).not.toContain(XSS);
      expect(res.body, url).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('refuses form posts without a CSRF token, and members-only / admins-only routes say so', async () => {
    for (const url of ['/social/notes', '/social/follow', '/social/profile', '/social/notifications/read']) {
      const res = await t.app.inject({
        method: 'POST',
        url,
        cookies: member.cookies,
        headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'content=hi&uri=https%3A%2F%2Fexample.org%2Fu',
      });
      expect(res.statusCode, url).toBe(403);
    }
    const anonymous = await get('/social/home', {});
    expect(anonymous.statusCode).toBe(302);
    expect(anonymous.headers.location).toBe('/auth/login?returnTo=%2Fsocial%2Fhome');
    const anonymousPost = await t.app.inject({
      method: 'POST',
      url: '/social/notes',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'content=hi',
    });
    expect(anonymousPost.statusCode).toBe(401);
    expect((await get('/admin/moderation')).statusCode).toBe(403);
    expect((await get('/admin/moderation', {})).statusCode).toBe(302);
    // Public pages work for anyone.
    for (const url of ['/social/local', '/@route', '/@route/followers', '/@route/following', '/']) {
      expect((await get(url, {})).statusCode, url).toBe(200);
    }
  });
});
