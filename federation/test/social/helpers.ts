/** What the social hub's tests share: browser-like form posts against `app.inject`. */
import type { TestApp } from '@rose-ash/shared/testing/app.ts';
import { formField } from '@rose-ash/shared/testing/http.ts';
import { expect } from 'vitest';

type App = TestApp['app'];

/** Loads a page with a form and returns the cookies and CSRF token a browser would post with. */
export async function formSession(app: App, url: string, base: Record<string, string>) {
  const page = await app.inject({ url, cookies: base, headers: { accept: 'text/html' } });
  expect(page.statusCode, `${url}: ${page.body.slice(0, 300)}`).toBe(200);
  const csrfCookie = page.cookies.find((c) => c.name.endsWith('_csrf'));
  return {
    page,
    cookies: { ...base, ...(csrfCookie ? { [csrfCookie.name]: csrfCookie.value } : {}) },
    csrf: formField(page.body, '_csrf') as string,
  };
}

/** POSTs a urlencoded form with the page's CSRF token, as a browser does. */
export async function postForm(
  app: App,
  from: string,
  url: string,
  cookies: Record<string, string>,
  fields: Record<string, string>,
) {
  const session = await formSession(app, from, cookies);
  return app.inject({
    method: 'POST',
    url,
    cookies: session.cookies,
    headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: session.csrf, ...fields }).toString(),
  });
}

/** A multipart body with fields and one file. */
export function multipart(
  fields: Record<string, string>,
  file?: { field: string; name: string; data: Buffer; type: string },
) {
  const boundary = `----ra${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

export const AS = 'application/activity+json';
export const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';

/**
 * Signs a member in and gives them a handle through the profile form; returns the cookies of
 * the renewed session (choosing a handle starts a new session carrying it).
 */
export async function memberWithHandle(
  app: App,
  signIn: (
    app: App,
    email: string,
    name?: string,
  ) => Promise<{ cookies: Record<string, string>; userId: number }>,
  email: string,
  username: string,
): Promise<{ cookies: Record<string, string>; userId: number }> {
  const { cookies, userId } = await signIn(app, email, username);
  const res = await postForm(app, '/social/profile', '/social/profile/username', cookies, { username });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
  const renewed = res.cookies.find((c) => c.name === app.sessionCookieName);
  return { cookies: { ...cookies, ...(renewed ? { [renewed.name]: renewed.value } : {}) }, userId };
}
