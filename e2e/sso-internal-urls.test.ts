/**
 * Public and internal URLs differ (as behind the production proxy): browsers use
 * http://localhost:<port>, apps reach each other at http://127.0.0.1:<port>. Sign-in,
 * silent SSO and back-channel logout must still work.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { Browser, formField } from '../shared/src/testing/http.ts';
import { linkFrom, type SmtpReceiver, startSmtpReceiver } from '../shared/src/testing/smtp.ts';

const NAVIGATE = { 'sec-fetch-dest': 'document', 'upgrade-insecure-requests': '1' };
let smtp: SmtpReceiver;
let cluster: Cluster;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  cluster = await startCluster(['federation', 'blog', 'market'], {
    publicHost: 'localhost',
    env: { SMTP_URL: smtp.url },
  });
});
afterAll(async () => {
  await cluster?.close();
  await smtp?.close();
});

it('signs in, carries the sign-in to another app and signs out everywhere', async () => {
  const [fed, blog, market] = [cluster.url('federation'), cluster.url('blog'), cluster.url('market')];
  expect(blog).toMatch(/^http:\/\/localhost:/);
  expect(cluster.config.apps.blog.internalUrl).toMatch(/^http:\/\/127\.0\.0\.1:/);
  const email = 'proxied@sso.test';
  const browser = new Browser();
  const form = await browser.get(`${blog}/auth/login`);
  expect(form.url.startsWith(`${fed}/interaction/`)).toBe(true);
  await browser.post(`${fed}/auth/magic-link`, {
    _csrf: formField(form.text, '_csrf') ?? '',
    uid: formField(form.text, 'uid') ?? '',
    email,
  });
  const link = linkFrom(await smtp.waitForMail(email), `${fed}/auth/magic/`);
  const page = await browser.get(link);
  const done = await browser.post(link, { _csrf: formField(page.text, '_csrf') ?? '' });
  expect(done.url).toBe(`${blog}/`);
  expect(done.text).toContain(email);
  // No browser-facing hop may point at an internal address.
  expect(done.chain.every((u) => !u.includes('127.0.0.1'))).toBe(true);

  const other = await browser.get(`${market}/`, { headers: NAVIGATE });
  expect(other.text).toContain(email);

  const logout = await browser.get(`${market}/auth/logout`);
  const out = await browser.post(`${market}/auth/logout`, { _csrf: formField(logout.text, '_csrf') ?? '' });
  await browser.post(`${fed}/oidc/session/end/confirm`, {
    xsrf: formField(out.text, 'xsrf') ?? '',
    logout: 'yes',
  });
  expect((await browser.get(`${blog}/`, { headers: NAVIGATE })).text).not.toContain(email);
});
