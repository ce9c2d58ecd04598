import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fetchActivityDocument,
  RemoteFetchError,
  type RemoteFetchOptions,
  remoteFetch,
  remoteFetchOptions,
} from '../../src/infrastructure/activitypub/remote-fetch.ts';
import { testConfig } from '../../src/testing/config.ts';

let server: Server;
let origin: string;
const testMode: RemoteFetchOptions = {
  allowPrivateAddress: true,
  timeoutMs: 300,
  maxBytes: 1000,
  maxRedirects: 2,
  userAgent: 'test',
};

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/activity+json' });
      res.end(JSON.stringify({ id: 'x', padding: 'a'.repeat(5000) }));
    } else if (req.url === '/slow') {
      setTimeout(() => res.end('{}'), 2000);
    } else if (req.url === '/redirect') {
      res.writeHead(302, { location: '/doc' });
      res.end();
    } else {
      res.writeHead(200, { 'content-type': 'application/activity+json' });
      res.end(JSON.stringify({ id: `${origin}/doc` }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('remote fetch guard', () => {
  it('allows loopback only in test mode, never in production', () => {
    expect(remoteFetchOptions(testConfig()).allowPrivateAddress).toBe(true);
    expect(remoteFetchOptions(testConfig({ env: { NODE_ENV: 'development' } })).allowPrivateAddress).toBe(
      false,
    );
  });

  it('refuses loopback and non-http URLs outside test mode', async () => {
    const strict = { ...testMode, allowPrivateAddress: false };
    await expect(remoteFetch(`${origin}/doc`, {}, strict)).rejects.toThrow(/private or loopback/);
    await expect(remoteFetch('http://localhost:1/doc', {}, strict)).rejects.toThrow(/private or loopback/);
    await expect(remoteFetch('file:///etc/passwd', {}, testMode)).rejects.toThrow(/refusing file:/);
  });

  it('limits size and time, and follows redirects', async () => {
    await expect(remoteFetch(`${origin}/big`, {}, testMode)).rejects.toBeInstanceOf(RemoteFetchError);
    await expect(remoteFetch(`${origin}/slow`, {}, testMode)).rejects.toBeInstanceOf(RemoteFetchError);
    const { document } = await fetchActivityDocument(`${origin}/redirect`, testMode);
    expect(document['id']).toBe(`${origin}/doc`);
  });
});
