import { INTERNAL_HEADERS } from '@rose-ash/shared/contracts/widgets.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedNav } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp(buildApp);
});
afterAll(async () => t?.close());

describe('blog fragments', () => {
  it('serves nav (the primary menu) only with the internal token', async () => {
    await seedNav(t.database.handle, [
      { label: 'Journal', url: '/tag/journal/' },
      { label: 'About <us>', url: '/about/' },
    ]);
    const denied = await t.app.inject({ url: '/internal/fragments/nav' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('INTERNAL_TOKEN_INVALID');
    const wrong = await t.app.inject({
      url: '/internal/fragments/nav',
      headers: { [INTERNAL_HEADERS.token]: `${t.config.secrets.internalToken}x` },
    });
    expect(wrong.statusCode).toBe(403);

    const res = await t.app.inject({
      url: '/internal/fragments/nav',
      headers: { [INTERNAL_HEADERS.token]: t.config.secrets.internalToken },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['cache-control']).toBe('no-store');
    // Every app's header shows it: site-relative menu links point at the blog.
    expect(res.body).toContain(`<a href="${t.config.apps.blog.publicUrl}/tag/journal/">Journal</a>`);
    expect(res.body).toContain('About &lt;us&gt;');
    expect(res.body.indexOf('Journal')).toBeLessThan(res.body.indexOf('About'));
  });

  it('answers 404 for a fragment it does not own, and 403 for any name without the token', async () => {
    const token = { [INTERNAL_HEADERS.token]: t.config.secrets.internalToken };
    expect((await t.app.inject({ url: '/internal/fragments/cart-mini', headers: token })).statusCode).toBe(
      404,
    );
    expect((await t.app.inject({ url: '/internal/fragments/whatever', headers: token })).statusCode).toBe(
      404,
    );
    expect((await t.app.inject({ url: '/internal/fragments/whatever' })).statusCode).toBe(403);
  });
});
