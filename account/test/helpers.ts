/** Posting the account's forms in inject tests: a page's CSRF token and cookie, then the POST. */
import type { TestApp } from '@rose-ash/shared/testing/app.ts';
import { formField } from '@rose-ash/shared/testing/http.ts';
import { expect } from 'vitest';

export type Cookies = Record<string, string>;

/** A page's CSRF token and cookie, for posting its forms. */
export async function formCookies(
  t: TestApp,
  url: string,
  cookies: Cookies,
): Promise<{ cookies: Cookies; csrf: string; body: string }> {
  const page = await t.app.inject({ url, cookies, headers: { accept: 'text/html' } });
  expect(page.statusCode, page.body.slice(0, 300)).toBe(200);
  const csrfCookie = page.cookies.find((c) => c.name === 'account_csrf');
  return {
    cookies: { ...cookies, ...(csrfCookie ? { account_csrf: csrfCookie.value } : {}) },
    csrf: formField(page.body, '_csrf') ?? '',
    body: page.body,
  };
}

/** Posts a form to `url` with the CSRF token of the page at `from`. */
export async function submit(
  t: TestApp,
  url: string,
  from: string,
  cookies: Cookies,
  form: Record<string, string> = {},
) {
  const { cookies: withCsrf, csrf } = await formCookies(t, from, cookies);
  return t.app.inject({
    method: 'POST',
    url,
    cookies: withCsrf,
    headers: {
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
      origin: t.config.apps.account.publicUrl,
    },
    payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
  });
}
