/**
 * Every app boots on the shared factory and renders its home page in the one base layout,
 * whose header names all six apps (a cross-app check: it lives with the e2e tests, since
 * shared/ imports no app).
 */
import { describe, expect, it } from 'vitest';
import { buildApp as account } from '../account/src/app.ts';
import { buildApp as blog } from '../blog/src/app.ts';
import { buildApp as cart } from '../cart/src/app.ts';
import { buildApp as events } from '../events/src/app.ts';
import { buildApp as federation } from '../federation/src/app.ts';
import { buildApp as market } from '../market/src/app.ts';
import { buildTestApp } from '../shared/src/testing/app.ts';

const builders = { blog, market, cart, events, federation, account };

describe.each(Object.entries(builders))('%s app', (name, build) => {
  it('boots on the shared factory and renders its home page in the base layout', async () => {
    const t = await buildTestApp(build);
    try {
      const res = await t.app.inject({ url: '/', headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      // Landmarks, skip link and the header naming all six apps.
      expect(res.body).toContain('<main id="main"');
      expect(res.body).toContain('role="banner"');
      expect(res.body).toContain('role="contentinfo"');
      expect(res.body).toMatch(/aria-current="page">[^<]+<\/a>/);
      for (const app of Object.keys(builders))
        expect(res.body).toContain(`${t.config.apps[app as 'blog'].publicUrl}/`);
      expect(res.body).toContain(`class="app-${name}"`);
      expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
