import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freezeAll, NavItemDto } from '../../shared/src/contracts/dtos.ts';
import type { BlogService } from '../../shared/src/contracts/protocols.ts';
import { withOverrides } from '../../shared/src/services/registry.ts';
import { defaultServices } from '../../shared/src/services/wiring.ts';
import { buildTestApp, type TestApp } from '../../shared/src/testing/app.ts';
import { buildApp as buildBlog } from '../src/app.ts';

let t: TestApp;
let calls = 0;

beforeAll(async () => {
  t = await buildTestApp(async (deps) => {
    const real = defaultServices({ ...deps, log: { info() {}, warn() {}, error() {} } });
    const blog: BlogService = {
      ...real.blog,
      async getNavigation() {
        calls++;
        return freezeAll(NavItemDto, [{ label: 'From the fake', url: '/fake/' }]);
      },
    };
    return buildBlog({ ...deps, services: withOverrides(real, { blog }) });
  });
});
afterAll(async () => t?.close());

describe('registry override through the factory', () => {
  it('serves the app from the overriding implementation and keeps the others', async () => {
    // The blog's nav fragment reads the menu through services.blog.
    const res = await t.app.inject({
      url: '/internal/fragments/nav',
      headers: { 'x-internal-token': t.config.secrets.internalToken },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('From the fake');
    expect(calls).toBe(1);
    expect(await t.app.services.market.getProductsBySku(['none'])).toEqual([]);
  });
});
