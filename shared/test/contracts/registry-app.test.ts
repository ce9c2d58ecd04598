import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildBlog } from '../../../blog/src/app.ts';
import { freezeAll, PostSummaryDto } from '../../src/contracts/dtos.ts';
import type { BlogService } from '../../src/contracts/protocols.ts';
import { withOverrides } from '../../src/services/registry.ts';
import { defaultServices } from '../../src/services/wiring.ts';
import { buildTestApp, type TestApp } from '../../src/testing/app.ts';

let t: TestApp;
let calls = 0;

beforeAll(async () => {
  t = await buildTestApp(async (deps) => {
    const real = defaultServices(deps);
    const blog: BlogService = {
      ...real.blog,
      async listLatestPosts() {
        calls++;
        return freezeAll(PostSummaryDto, [
          {
            id: 1,
            slug: 'from-the-fake',
            title: 'From the fake',
            excerpt: null,
            featureImage: null,
            publishedAt: null,
            author: null,
          },
        ]);
      },
    };
    return buildBlog({ ...deps, services: withOverrides(real, { blog }) });
  });
});
afterAll(async () => t?.close());

describe('registry override through the factory', () => {
  it('serves the app from the overriding implementation and keeps the others', async () => {
    const res = await t.app.inject({
      url: '/',
      headers: { accept: 'text/html' },
      cookies: { blog_sso_checked: '1' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('From the fake');
    expect(calls).toBe(1);
    expect(await t.app.services.market.getProductsBySku(['none'])).toEqual([]);
  });
});
