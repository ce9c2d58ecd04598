import { INTERNAL_HEADERS } from '@rose-ash/shared/contracts/widgets.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedEntry } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp(buildApp);
});
afterAll(async () => t?.close());

describe('container-widget fragment', () => {
  it("lists the container's upcoming entries, with the token only, and rejects a bad query with 400", async () => {
    await seedEntry(t.database.handle, { type: 'post', id: 314 }, { title: 'Cheese & wine', inDays: 4 });
    await seedEntry(t.database.handle, { type: 'post', id: 315 }, { title: 'Elsewhere', inDays: 4 });
    const token = { [INTERNAL_HEADERS.token]: t.config.secrets.internalToken };

    expect(
      (await t.app.inject({ url: '/internal/fragments/container-widget?type=post&id=314' })).statusCode,
    ).toBe(403);

    const res = await t.app.inject({
      url: '/internal/fragments/container-widget?type=post&id=314',
      headers: token,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Cheese &amp; wine');
    expect(res.body).not.toContain('Elsewhere');

    const none = await t.app.inject({
      url: '/internal/fragments/container-widget?type=market&id=314',
      headers: token,
    });
    expect(none.statusCode).toBe(200);
    expect(none.body.trim()).toBe('');

    const bad = await t.app.inject({
      url: '/internal/fragments/container-widget?type=shop&id=x',
      headers: token,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('HTTP_REQUEST_INVALID');
  });
});
