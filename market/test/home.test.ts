import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedMarket } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp(buildApp);
});
afterAll(() => t?.close());

describe('market home', () => {
  it('lists the markets in the base layout', async () => {
    await seedMarket(t.database.handle, 'Harbour market');
    const res = await t.app.inject({
      url: '/',
      headers: { accept: 'text/html' },
      cookies: { market_sso_checked: '1' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Harbour market');
    expect(res.body).toContain('class="app-market"');
  });

  it('refuses to start with an unknown key under market: in app-config.yaml', async () => {
    await expect(
      buildApp({
        ...t.app,
        config: testConfig({ overrides: { market: { page_sise: 3 } } }),
        db: t.database.handle,
        cache: t.cache,
      }),
    ).rejects.toThrow(/market/);
  });
});
