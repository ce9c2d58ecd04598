import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/infrastructure/errors.ts';
import { createApp } from '../../src/infrastructure/factory.ts';
import { buildTestApp, type TestApp } from '../../src/testing/app.ts';

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp(async (deps) => {
    const templatesDir = mkdtempSync(join(tmpdir(), 'factory-templates-'));
    writeFileSync(
      join(templatesDir, 'two-forms.njk'),
      '<input name="_csrf" value="{{ csrf_token() }}"><input name="_csrf" value="{{ csrf_token() }}">',
    );
    const app = await createApp('blog', deps, { templatesDir });
    app.get('/two-forms', async (_req, reply) => reply.view('two-forms.njk'));
    app.get('/conflict', async () => {
      throw new AppError('RESOURCE_CONFLICT', 'Changed in Ghost — reload');
    });
    app.get('/boom', async () => {
      throw new Error('secret database password is hunter2');
    });
    app.post('/form', { preHandler: app.csrfProtection }, async () => ({ ok: true }));
    app.get('/form', async (_req, reply) => reply.view('error.njk', { status: 200, message: 'form' }));
    app.get('/csrf', async (_req, reply) => ({ token: reply.generateCsrf() }));
    writeFileSync(
      join(templatesDir, 'broken.njk'),
      '{% extends "base.njk" %}{% block content %}{{ no_such_function() }}{% endblock %}',
    );
    // A composed page no one stores: its header fragments come with its own (pageFragments).
    app.get('/composed', async (request, reply) => {
      await app.pageFragments(request, []);
      return reply.view('error.njk', { status: 200, message: 'composed' });
    });
    app.get('/composed-fails', async (request, reply) => {
      await app.pageFragments(request, []);
      return reply.view('broken.njk');
    });
    return app;
  });
});
afterAll(() => t.close());

describe('createApp', () => {
  it('answers an unknown route with the HTML 404 page for browsers', async () => {
    const res = await t.app.inject({ url: '/nope', headers: { accept: 'text/html,*/*' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('Page not found');
    expect(res.body).toContain('<main id="main"');
    expect(res.body).toContain('Skip to content');
  });

  it('renders a page no one stores with its header fragments in place, and so its error page', async () => {
    for (const url of ['/composed', '/composed-fails']) {
      const res = await t.app.inject({ url, headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(url === '/composed' ? 200 : 500);
      expect(res.body).toContain('data-fragment="account-nav"');
      // The account-nav fallback (its app is not running here), never an unfilled slot marker.
      expect(res.body).toContain('/auth/login');
      expect(res.body).not.toContain('<!--rose-ash-fragment:');
    }
  });

  it('answers an unknown route with JSON for API clients', async () => {
    const res = await t.app.inject({ url: '/nope', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      error: { code: 'HTTP_ROUTE_NOT_FOUND', requestId: expect.any(String) },
    });
  });

  it('maps an AppError to its status and code', async () => {
    const res = await t.app.inject({ url: '/conflict', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'RESOURCE_CONFLICT',
      message: 'Changed in Ghost — reload',
    });
    const html = await t.app.inject({ url: '/conflict', headers: { accept: 'text/html' } });
    expect(html.statusCode).toBe(409);
    expect(html.body).toContain('Changed in Ghost — reload');
  });

  it('hides the internals of an unexpected throw', async () => {
    for (const accept of ['application/json', 'text/html']) {
      const res = await t.app.inject({ url: '/boom', headers: { accept } });
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('hunter2');
      expect(res.body).toContain(res.headers['x-request-id'] as string);
    }
  });

  it('answers malformed JSON with a 400, not a 500', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/form',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      payload: '{"a":',
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  });

  it('refuses a form post without a CSRF token and accepts one with it', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/form',
      payload: { a: '1' },
      headers: { accept: 'application/json' },
    });
    expect(bad.statusCode).toBe(403);
    expect(bad.json().error.code).toBe('AUTH_CSRF_INVALID');
    const issued = await t.app.inject({ url: '/csrf' });
    const cookie = issued.cookies.find((c) => c.name === 'blog_csrf');
    expect(cookie?.httpOnly).toBe(true);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/form',
      cookies: { blog_csrf: cookie!.value },
      payload: { _csrf: issued.json().token },
    });
    expect(ok.statusCode).toBe(200);
  });

  it('gives every form of a page a token that works (one secret per page)', async () => {
    const page = await t.app.inject({ url: '/two-forms' });
    const set = page.cookies.filter((c) => c.name === 'blog_csrf');
    expect(set).toHaveLength(1);
    const tokens = [...page.body.matchAll(/value="([^"]+)"/g)].map((m) => m[1]);
    expect(tokens).toHaveLength(2);
    for (const token of tokens) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/form',
        cookies: { blog_csrf: set[0]!.value },
        payload: { _csrf: token },
      });
      expect(res.statusCode).toBe(200);
    }
  });

  it('reports liveness and readiness', async () => {
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok', app: 'blog' });
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', database: true, cache: true });
  });

  it('sends security headers and a request id', async () => {
    const res = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves shared static files', async () => {
    const res = await t.app.inject({ url: '/static/css/site.css' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('prefers-color-scheme: dark');
  });
});

describe('readiness with a dead cache', () => {
  it('answers 503 when the cache does not answer', async () => {
    const dead = await buildTestApp((deps) =>
      createApp('market', {
        ...deps,
        cache: Object.assign(Object.create(deps.cache), { ping: async () => false }),
      }),
    );
    try {
      const res = await dead.app.inject({ url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ database: true, cache: false });
    } finally {
      await dead.close();
    }
  });
});
