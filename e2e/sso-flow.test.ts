/**
 * Single sign-on over real HTTP: federation (provider + magic links), blog, market and account
 * each listening on its own loopback port, mail read from a real SMTP receiver.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { Browser, formField } from '../shared/src/testing/http.ts';
import { codeFrom, linkFrom, type SmtpReceiver, startSmtpReceiver } from '../shared/src/testing/smtp.ts';

const ADMIN = 'boss@sso.test';
/** What a browser sends when it loads a page (fetch cannot send Sec-Fetch-Mode: navigate). */
const NAVIGATE = { 'sec-fetch-dest': 'document', 'upgrade-insecure-requests': '1' };
let smtp: SmtpReceiver;
let cluster: Cluster;
let fed: string;
let blog: string;
let market: string;
let account: string;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  cluster = await startCluster(['federation', 'blog', 'market', 'account'], {
    env: { SMTP_URL: smtp.url, ADMIN_EMAILS: ADMIN },
  });
  fed = cluster.url('federation');
  blog = cluster.url('blog');
  market = cluster.url('market');
  account = cluster.url('account');
});

afterAll(async () => {
  await cluster?.close();
  await smtp?.close();
});

/** A compact RS256 JWT signed with a PEM key (what the provider sends, or a forgery). */
function signJwt(payload: object, pem: string | Buffer, kid: string, typ = 'logout+jwt'): string {
  const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${part({ alg: 'RS256', typ, kid })}.${part(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(pem).toString('base64url')}`;
}

/** Starts sign-in at an app and submits the e-mail form; returns the "check your mail" page. */
async function requestLink(browser: Browser, app: string, email: string, returnTo = '/') {
  const form = await browser.get(`${app}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  expect(form.status).toBe(200);
  expect(form.url).toMatch(new RegExp(`^${fed}/interaction/`));
  const uid = formField(form.text, 'uid');
  expect(uid).toBeTruthy();
  return browser.post(`${fed}/auth/magic-link`, {
    _csrf: formField(form.text, '_csrf') ?? '',
    uid: uid ?? '',
    email,
  });
}

/** Opens a mailed link (GET shows Continue) and presses Continue. */
async function followLink(browser: Browser, link: string) {
  const page = await browser.get(link);
  expect(page.status).toBe(200);
  expect(page.text).toContain('Continue');
  return browser.post(link, { _csrf: formField(page.text, '_csrf') ?? '' });
}

async function signedInBrowser(app: string, email: string, returnTo = '/') {
  const browser = new Browser();
  const sent = await requestLink(browser, app, email, returnTo);
  expect(sent.status).toBe(200);
  const mail = await smtp.waitForMail(email);
  const done = await followLink(browser, linkFrom(mail, `${fed}/auth/magic/`));
  return { browser, done };
}

describe('sign-in with a magic link', () => {
  it('signs in at blog, then market signs in through redirects alone', async () => {
    const email = 'reader@sso.test';
    const browser = new Browser();
    // Anonymous first navigation: one silent round trip, then the page, then no more trips.
    const first = await browser.get(`${blog}/`, { headers: NAVIGATE });
    expect(first.url).toBe(`${blog}/`);
    expect(first.chain.some((u) => u.startsWith(`${fed}/oidc/auth`) && u.includes('prompt=none'))).toBe(true);
    expect(first.text).toContain('Sign in');
    const again = await browser.get(`${blog}/`, { headers: NAVIGATE });
    expect(again.chain).toEqual([`${blog}/`]);
    // Feeds, APIs and scripts never get the round trip.
    expect((await new Browser().get(`${blog}/`, { follow: false })).status).toBe(200);
    const sent = await requestLink(browser, blog, email, '/?from=test');
    expect(sent.text).toContain('Check your mail');
    const mail = await smtp.waitForMail(email);
    expect(mail.text).toContain(`${fed}/auth/magic/`);
    expect(mail.html).toContain('<a href=');
    expect(codeFrom(mail)).toMatch(/^\d{6}$/);

    const done = await followLink(browser, linkFrom(mail, `${fed}/auth/magic/`));
    expect(done.status).toBe(200);
    expect(done.url).toBe(`${blog}/?from=test`);
    expect(done.text).toContain(email);

    // A top-level navigation, as a browser sends it: the one case silent SSO answers.
    const other = await browser.get(`${market}/`, { headers: NAVIGATE });
    expect(other.status).toBe(200);
    expect(other.url).toBe(`${market}/`);
    expect(other.text).toContain(email);
    // Only redirects between the first request and the page: no page was shown on the way.
    expect(other.chain.some((u) => u.startsWith(`${fed}/oidc/auth`))).toBe(true);
    expect(other.chain.some((u) => u.startsWith(`${fed}/interaction/`))).toBe(false);
  });

  it('signs in another device that opens the same link', async () => {
    const email = 'traveller@sso.test';
    const first = new Browser();
    await requestLink(first, blog, email);
    const mail = await smtp.waitForMail(email);
    const second = new Browser();
    const done = await followLink(second, linkFrom(mail, `${fed}/auth/magic/`));
    expect(done.status).toBe(200);
    expect(done.url).toBe(`${blog}/`);
    expect(done.text).toContain(email);
    // The first browser is still anonymous at blog.
    const firstView = await first.get(`${blog}/`);
    expect(firstView.text).not.toContain(email);
  });

  it('signs in with the 6-digit code in the original tab', async () => {
    const email = 'typist@sso.test';
    const browser = new Browser();
    const sent = await requestLink(browser, market, email);
    const mail = await smtp.waitForMail(email);
    const done = await browser.post(`${fed}/auth/code`, {
      _csrf: formField(sent.text, '_csrf') ?? '',
      ref: formField(sent.text, 'ref') ?? '',
      code: codeFrom(mail),
    });
    expect(done.status).toBe(200);
    expect(done.url).toBe(`${market}/`);
    expect(done.text).toContain(email);
  });

  it('refuses a reused, tampered or expired link and a wrong code, with no session', async () => {
    const email = 'careful@sso.test';
    const { done } = await signedInBrowser(blog, email);
    expect(done.url).toBe(`${blog}/`);
    const mail = smtp.mails.filter((m) => m.to.includes(email)).at(-1);
    if (!mail) throw new Error('no mail');
    const link = linkFrom(mail, `${fed}/auth/magic/`);

    const reuser = new Browser();
    const reused = await reuser.get(link);
    expect(reused.status).toBe(400);
    expect(reused.text).toContain('This link no longer works');

    const tampered = await reuser.get(`${link.slice(0, -3)}xyz`);
    expect(tampered.status).toBe(400);

    // Expired: a fresh link whose row is aged past its 15 minutes.
    const late = new Browser();
    await requestLink(late, blog, email);
    const lateMail = await smtp.waitForMail(email);
    await cluster.database.handle.query(
      "UPDATE magic_links SET expires_at = now() - interval '1 minute' WHERE consumed_at IS NULL AND user_email = $1",
      [email],
    );
    const expired = await late.get(linkFrom(lateMail, `${fed}/auth/magic/`));
    expect(expired.status).toBe(400);

    const guesser = new Browser();
    const sent = await requestLink(guesser, blog, email);
    const codeMail = await smtp.waitForMail(email);
    const wrong = codeFrom(codeMail) === '000000' ? '111111' : '000000';
    const refused = await guesser.post(`${fed}/auth/code`, {
      _csrf: formField(sent.text, '_csrf') ?? '',
      ref: formField(sent.text, 'ref') ?? '',
      code: wrong,
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Wrong code');

    for (const b of [reuser, late, guesser]) {
      expect((await b.cookies(blog)).some((c) => c.key === 'blog_session')).toBe(false);
      expect((await b.cookies(fed)).some((c) => c.key === 'federation_session')).toBe(false);
    }
  });

  it('refuses an authorization request without PKCE and ignores a foreign returnTo', async () => {
    const browser = new Browser();
    const noPkce = await browser.get(
      `${fed}/oidc/auth?client_id=blog&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(`${blog}/auth/callback`)}&state=s&nonce=n`,
      { follow: false },
    );
    const location = noPkce.headers.get('location') ?? '';
    expect(location.startsWith(`${blog}/auth/callback`)).toBe(true);
    expect(new URL(location).searchParams.get('error')).toBe('invalid_request');

    const { browser: member } = await signedInBrowser(blog, 'wanderer@sso.test', 'https://evil.example/');
    const evil = await member.get(
      `${blog}/auth/login?returnTo=${encodeURIComponent('https://evil.example/')}`,
    );
    expect(evil.url).toBe(`${blog}/`);
    const slashes = await member.get(`${blog}/auth/login?returnTo=${encodeURIComponent('//evil.example/')}`);
    expect(slashes.url).toBe(`${blog}/`);
    expect(evil.chain.every((u) => !u.includes('evil.example/') || u.includes('returnTo='))).toBe(true);
  });
});

describe('sign-out', () => {
  it('signs out everywhere from market, and prompt=none then answers login_required', async () => {
    const email = 'leaver@sso.test';
    const { browser } = await signedInBrowser(blog, email);
    expect((await browser.get(`${market}/`, { headers: NAVIGATE })).text).toContain(email);
    expect((await browser.get(`${account}/`, { headers: NAVIGATE })).text).toContain(email);
    expect((await browser.get(`${fed}/auth/signed-in`)).text).toContain(email);

    const page = await browser.get(`${market}/auth/logout`);
    expect(page.status).toBe(200);
    const out = await browser.post(`${market}/auth/logout`, { _csrf: formField(page.text, '_csrf') ?? '' });
    expect(out.status).toBe(200);
    // The provider's confirm page auto-submits (external script); a real browser would post it.
    expect(out.url.startsWith(`${fed}/oidc/session/end`)).toBe(true);
    expect(out.text).toContain('data-autosubmit');
    const ended = await browser.post(`${fed}/oidc/session/end/confirm`, {
      xsrf: formField(out.text, 'xsrf') ?? '',
      logout: 'yes',
    });
    expect(ended.url).toBe(`${market}/`);

    for (const [app, name] of [
      [blog, 'blog'],
      [account, 'account'],
      [market, 'market'],
    ] as const) {
      // A navigation: were the provider session still alive, silent SSO would sign in again.
      const view = await browser.get(`${app}/`, { headers: NAVIGATE });
      expect(view.text, name).not.toContain(email);
    }
    const fedView = await browser.get(`${fed}/auth/signed-in`);
    expect(fedView.url).toBe(`${fed}/auth/login`);

    const silent = await browser.get(`${blog}/auth/login?prompt=none`, { follow: false });
    const authorize = await browser.get(silent.headers.get('location') ?? '', { follow: false });
    const callback = new URL(authorize.headers.get('location') ?? '');
    expect(callback.searchParams.get('error')).toBe('login_required');
  });

  it("signs out at federation's own page after a confirmation, ending the apps' sessions too", async () => {
    const email = 'homebody@sso.test';
    const { browser } = await signedInBrowser(blog, email);
    const page = await browser.get(`${fed}/auth/logout`);
    expect(page.text).toContain(email);
    const confirm = await browser.post(`${fed}/auth/logout`, { _csrf: formField(page.text, '_csrf') ?? '' });
    expect(confirm.url).toBe(`${fed}/oidc/session/end`);
    // Without an id_token_hint the member confirms: no auto-submit.
    expect(confirm.text).not.toContain('data-autosubmit');
    expect(confirm.text).toContain('Sign out everywhere');
    const done = await browser.post(`${fed}/oidc/session/end/confirm`, {
      xsrf: formField(confirm.text, 'xsrf') ?? '',
      logout: 'yes',
    });
    expect(done.text).toContain('You are signed out');
    expect((await browser.get(`${blog}/`)).text).not.toContain(email);
    expect((await browser.get(`${fed}/auth/signed-in`)).url).toBe(`${fed}/auth/login`);
  });

  it('answers 400 to a forged or replayed logout token and touches no session', async () => {
    const email = 'stayer@sso.test';
    const { browser } = await signedInBrowser(blog, email);
    const post = (token: string) =>
      fetch(`${blog}/auth/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: token }),
      });
    const claims = (jti: string) => ({
      iss: `${fed}/oidc`,
      aud: 'blog',
      iat: Math.floor(Date.now() / 1000),
      sub: '1',
      sid: 'not-a-live-sid',
      jti,
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    });
    // The provider's key id, as any client learns it: from its published key set.
    const jwks = (await (await fetch(`${fed}/oidc/jwks`)).json()) as { keys: { kid: string }[] };
    const provider = { kid: jwks.keys[0]?.kid };
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const forged = signJwt(claims('forged-1'), stranger, provider.kid as string);
    // Signed with the provider's key, like a real one: accepted once, refused when replayed.
    const genuine = signJwt(
      claims('genuine-1'),
      cluster.config.secrets.oidcSigningKey,
      provider.kid as string,
    );
    const wrongType = signJwt(
      claims('typ-1'),
      cluster.config.secrets.oidcSigningKey,
      provider.kid as string,
      'JWT',
    );
    expect((await post(forged)).status).toBe(400);
    expect((await post('not-a-jwt')).status).toBe(400);
    expect((await post(wrongType)).status).toBe(400);
    expect((await post(genuine)).status).toBe(200);
    expect((await post(genuine)).status).toBe(400);
    expect((await browser.get(`${blog}/`)).text).toContain(email);
  });
});

describe('admin pages and limits', () => {
  it('blog /admin: sign-in redirect when anonymous, 403 for a member, 200 for an admin', async () => {
    const anonymous = new Browser();
    const direct = await anonymous.get(`${blog}/admin`, { follow: false });
    expect(direct.status).toBe(302);
    expect(direct.headers.get('location')).toBe('/auth/login?returnTo=%2Fadmin');
    const redirect = await anonymous.get(`${blog}/admin`, { headers: NAVIGATE });
    expect(redirect.status).toBe(200);
    expect(redirect.chain).toContain(`${blog}/auth/login?returnTo=%2Fadmin`);
    expect(redirect.url).toMatch(new RegExp(`^${fed}/interaction/`));
    expect(redirect.text).toContain('Send me a sign-in link');

    const { browser: member } = await signedInBrowser(blog, 'member@sso.test');
    const refused = await member.get(`${blog}/admin`);
    expect(refused.status).toBe(403);

    const { browser: admin, done } = await signedInBrowser(blog, ADMIN, '/admin');
    expect(done.url).toBe(`${blog}/admin`);
    expect(done.status).toBe(200);
    expect((await admin.get(`${blog}/admin`)).status).toBe(200);
  });

  it('answers 429 to the sixth link request for one address within 15 minutes', async () => {
    const email = 'eager@sso.test';
    const browser = new Browser();
    const form = await browser.get(`${fed}/auth/login`);
    const csrf = formField(form.text, '_csrf') ?? '';
    for (let i = 0; i < 5; i++) {
      expect((await browser.post(`${fed}/auth/magic-link`, { _csrf: csrf, email })).status).toBe(200);
    }
    const sixth = await browser.post(`${fed}/auth/magic-link`, { _csrf: csrf, email });
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get('retry-after')).toBeTruthy();
    expect(sixth.text).toContain('Too many sign-in requests');
  });
});
