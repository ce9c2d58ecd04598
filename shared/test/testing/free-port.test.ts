import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/testing/http.ts';

/** Linux hands ports from 32768 up to outgoing connections (net.ipv4.ip_local_port_range). */
const EPHEMERAL_FLOOR = 32768;

const held: Server[] = [];
const hold = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => {
      held.push(server);
      resolve(true);
    });
  });

afterAll(async () => {
  await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('freePort', () => {
  it('hands out distinct ports below the ephemeral range', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 50; i += 1) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(1024);
      expect(port).toBeLessThan(EPHEMERAL_FLOOR);
    }
  });

  it('never hands out a port something else is listening on', async () => {
    const first = await freePort();
    const taken: number[] = [];
    for (const port of [first + 1, first + 2, first + 3]) if (await hold(port)) taken.push(port);
    expect(taken.length).toBeGreaterThan(0);
    for (let i = 0; i < 3; i += 1) {
      const port = await freePort();
      expect(taken).not.toContain(port);
      expect(await hold(port)).toBe(true); // and it really is free
    }
  });
});
