/**
 * Signed-in devices over real HTTP with real single sign-on: two browsers sign in (magic link,
 * provider, silent SSO), the account lists both with their apps; signing one out ends its
 * sessions in every app and at the provider (a silent sign-in no longer works there, and
 * federation asks for a link again) while the other stays; "everywhere" ends them all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { Browser, formField } from '../shared/src/testing/http.ts';
import { linkFrom, type SmtpReceiver, startSmtpReceiver } from '../shared/src/testing/smtp.ts';

/** What a browser sends when it loads a page (fetch cannot send Sec-Fetch-Mode: navigate). */
const NAVIGATE = { 'sec-fetch-dest': 'document', 'upgrade-insecure-requests': '1' };
const EMAIL = 'two-devices@account.test';
let smtp: SmtpReceiver;
let cluster: Cluster;
let fed: string;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  cluster = await startCluster(['federation', 'blog', 'market', 'account'], { env: { SMTP_URL: smtp.url } });
  fed = cluster.url('federation');
});
afterAll(async () => {
  await cluster?.close();
  await smtp?.close();
});

/** Signs a new browser in at `app` with a mailed link (and so at federation and the provider). */
async function signIn(app: string): Promise<Browser> {
  const browser = new Browser();
  const form = await browser.get(`${app}/auth/login?returnTo=%2F`);
  expect(form.url).toMatch(new RegExp(`^${fed}/interaction/`));
  await browser.post(`${fed}/auth/magic-link`, {
    _csrf: formField(form.text, '_csrf') ?? '',
    uid: formField(form.text, 'uid') ?? '',
    email: EMAIL,
  });
  const link = linkFrom(await smtp.waitForMail(EMAIL), `${fed}/auth/magic/`);
  const page = await browser.get(link);
  const done = await browser.post(link, { _csrf: formField(page.text, '_csrf') ?? '' });
  expect(done.url).toBe(`${app}/`);
  expect(done.text).toContain(EMAIL);
  return browser;
}

/** Whether a silent sign-in (`prompt=none`) signs this browser in at `app`. */
async function silentlySignedIn(browser: Browser, app: string): Promise<boolean> {
  const res = await browser.get(`${app}/auth/login?prompt=none&returnTo=%2F`);
  return res.text.includes(EMAIL);
}

/** The devices listed on the account's page, as [device, apps] lines. */
function devices(html: string): { id: string; apps: string; current: boolean }[] {
  return [...html.matchAll(/<li class="card device( current)?">([\s\S]*?)<\/li>/g)].map((m) => ({
    current: !!m[1],
    apps: /<p>(Signed in to [^<]*|Single sign-on only)<\/p>/.exec(m[2] ?? '')?.[1] ?? '',
    id: /name="device" value="([^"]+)"/.exec(m[2] ?? '')?.[1] ?? '',
  }));
}

describe('signed-in devices', () => {
  it('lists each browser with its apps, signs one out everywhere, then all', async () => {
    const blog = cluster.url('blog');
    const market = cluster.url('market');
    const account = cluster.url('account');

    const laptop = await signIn(blog);
    const phone = await signIn(market);
    // The laptop reaches the account by silent single sign-on, as a navigation does.
    const home = await laptop.get(`${account}/`, { headers: NAVIGATE });
    expect(home.text).toContain(EMAIL);

    const page = await laptop.get(`${account}/sessions`);
    expect(page.status).toBe(200);
    const listed = devices(page.text);
    expect(listed).toHaveLength(2);
    const [mine, other] = listed as [(typeof listed)[number], (typeof listed)[number]];
    expect(mine.current).toBe(true);
    expect(mine.apps).toBe('Signed in to Blog, Federation, Account');
    expect(other.current).toBe(false);
    expect(other.apps).toBe('Signed in to Market, Federation');

    // Sign the phone out from the laptop.
    const out = await laptop.post(`${account}/sessions/sign-out`, {
      _csrf: formField(page.text, '_csrf') ?? '',
      device: other.id,
    });
    expect(out.url).toBe(`${account}/sessions`);
    expect(devices(out.text)).toHaveLength(1);
    expect((await phone.get(`${market}/`)).text).not.toContain(EMAIL);
    expect(await silentlySignedIn(phone, market)).toBe(false);
    expect(await silentlySignedIn(phone, blog)).toBe(false);
    // Federation's own session in that browser went too: it asks for a sign-in link again.
    expect((await phone.get(`${fed}/auth/login`)).text).toContain('Send me a sign-in link');
    // The laptop is untouched.
    expect((await laptop.get(`${blog}/`)).text).toContain(EMAIL);

    // Then everywhere, from the laptop itself.
    const again = await laptop.get(`${account}/sessions`);
    const all = await laptop.post(`${account}/sessions/sign-out-all`, {
      _csrf: formField(again.text, '_csrf') ?? '',
    });
    expect(all.url).toBe(`${account}/`);
    expect(all.text).toContain('You are signed out everywhere');
    expect((await laptop.get(`${blog}/`)).text).not.toContain(EMAIL);
    expect(await silentlySignedIn(laptop, blog)).toBe(false);
    expect((await laptop.get(`${fed}/auth/login`)).text).toContain('Send me a sign-in link');
  });
});
