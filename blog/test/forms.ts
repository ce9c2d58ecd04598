/** Posting the blog's admin forms as a browser does (multipart, cookies, CSRF token). */
import type { TestApp } from '@rose-ash/shared/testing/app.ts';
import { formField } from '@rose-ash/shared/testing/http.ts';
import { expect } from 'vitest';

/** Loads a form page and returns the cookies and CSRF token a browser would post with. */
export async function formSession(app: TestApp['app'], url: string, base: Record<string, string>) {
  const page = await app.inject({ url, cookies: base, headers: { accept: 'text/html' } });
  expect(page.statusCode, url).toBe(200);
  const csrfCookie = page.cookies.find((c) => c.name.endsWith('_csrf'));
  return {
    page,
    cookies: { ...base, ...(csrfCookie ? { [csrfCookie.name]: csrfCookie.value } : {}) },
    csrf: formField(page.body, '_csrf')!,
  };
}

export function multipart(
  fields: Record<string, string>,
  file?: { name: string; data: Buffer; type: string },
) {
  const boundary = `----ra${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="featureImageFile"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
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

/** Posts the editor form as a browser does (multipart, with cookies). */
export function submitForm(
  app: TestApp['app'],
  url: string,
  cookies: Record<string, string>,
  fields: Record<string, string>,
  file?: { name: string; data: Buffer; type: string },
) {
  return app.inject({ method: 'POST', url, cookies, ...multipart(fields, file) });
}

/** Posts a url-encoded admin form (the sync and navigation pages). */
export function submitUrlEncoded(
  app: TestApp['app'],
  url: string,
  cookies: Record<string, string>,
  fields: Record<string, string>,
) {
  return app.inject({
    method: 'POST',
    url,
    cookies,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });
}
