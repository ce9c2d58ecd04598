/**
 * The yardstick: a bare Fastify 5 route in a process of its own, answering with the exact bytes
 * of the composed page. Usage: `node bare-server.ts <port> <body file>`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [port, bodyFile] = process.argv.slice(2);
const body = readFileSync(String(bodyFile));
// Fastify as the apps load it (a dependency of shared, not of the repository root).
const Fastify = createRequire(new URL('../../shared/package.json', import.meta.url))('fastify') as (o: {
  logger: boolean;
}) => {
  get(
    path: string,
    handler: (req: unknown, reply: { type(t: string): { send(b: Buffer): unknown } }) => unknown,
  ): void;
  listen(o: { port: number; host: string }): Promise<string>;
};
const app = Fastify({ logger: false });
app.get('/', (_req, reply) => reply.type('text/html; charset=utf-8').send(body));
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write('ready\n');
