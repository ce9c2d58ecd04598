/**
 * Benchmark: a member's public note fanned out to 1 000 followers on 50 hosts. Followers behind
 * one shared inbox collapse onto it, so the EventProcessor should make at most 50 POSTs (one per
 * host), each signed with the member's key, and all should be delivered within 10 s on
 * loopback. The 50 "remote servers" are the independent stub (shared/src/testing/
 * remote-fediverse.ts), which checks every signature against the key it fetches from us.
 */
import { APP_BUILDERS } from '../../dev/src/app-builders.ts';
import { APP_NAMES } from '../../shared/src/config/app-names.ts';
import { loadConfig } from '../../shared/src/config/index.ts';
import { connectDatabase } from '../../shared/src/db/client.ts';
import { runMigrations } from '../../shared/src/db/migrate.ts';
import {
  apActors,
  apDeliveries,
  apFollows,
  apRemoteActors,
  users,
} from '../../shared/src/db/schema/index.ts';
import { createCache } from '../../shared/src/infrastructure/cache.ts';
import { freePort, listen } from '../../shared/src/testing/http.ts';
import { RemoteFediverse } from '../../shared/src/testing/remote-fediverse.ts';

export interface FanoutOptions {
  followers: number;
  hosts: number;
}

export interface FanoutResult {
  followers: number;
  hosts: number;
  /** `ap_deliveries` rows the note became. */
  deliveries: number;
  /** POSTs the remote servers received, and how many of them verified. */
  posts: number;
  verified: number;
  /** From the note's publication until the last host had it. */
  elapsedMs: number;
  delivered: boolean;
}

export async function runApFanoutBench(
  env: Record<string, string | undefined>,
  options: FanoutOptions,
  log: (line: string) => void,
): Promise<FanoutResult> {
  const ports = Object.fromEntries(
    await Promise.all(APP_NAMES.map(async (n) => [n, await freePort()] as const)),
  );
  const urlEnv: Record<string, string> = { LOG_LEVEL: 'warn', RUN_JOBS: 'false' };
  for (const name of APP_NAMES) {
    urlEnv[`${name.toUpperCase()}_PUBLIC_URL`] = `http://127.0.0.1:${ports[name]}`;
    urlEnv[`${name.toUpperCase()}_INTERNAL_URL`] = `http://127.0.0.1:${ports[name]}`;
  }
  // Test mode: the remote servers are stubs on 127.0.0.1, which the SSRF guard refuses otherwise.
  const config = loadConfig({ env: { ...env, ...urlEnv, NODE_ENV: 'test' } });
  // A private in-memory database (never the configured one).
  const db = await connectDatabase({});
  await runMigrations(db, config.paths.migrations);
  const cache = createCache({ url: undefined, prefix: `bench:${process.pid}:` });
  const remotes: RemoteFediverse[] = [];
  const { buildApp } = await APP_BUILDERS.federation();
  const app = await buildApp({ config, db, cache });
  try {
    await listen(app, ports.federation);
    log(`starting ${options.hosts} remote servers with ${options.followers} followers…`);
    for (let i = 0; i < options.hosts; i++) remotes.push(await RemoteFediverse.start());

    const [member] = await db.db
      .insert(users)
      .values({ email: 'fanout@bench.test', username: 'fanout', displayName: 'Fan Out' })
      .returning();
    const memberUri = `${config.apps.federation.publicUrl}/users/fanout`;
    const [actor] = await db.db
      .insert(apActors)
      .values({ kind: 'member', userId: member?.id, username: 'fanout', host: new URL(memberUri).host })
      .returning();
    const perHost = Math.ceil(options.followers / options.hosts);
    for (const [h, remote] of remotes.entries()) {
      const count = Math.min(perHost, options.followers - h * perHost);
      const rows = Array.from({ length: count }, (_, i) => {
        const a = remote.addActor(`f${i}`, { sharedInbox: true });
        return {
          uri: a.id,
          type: 'Person',
          inbox: a.inbox,
          sharedInbox: a.sharedInbox,
          preferredUsername: a.username,
          host: remote.host,
          raw: {},
        };
      });
      if (!rows.length) continue;
      await db.db.insert(apRemoteActors).values(rows);
      await db.db.insert(apFollows).values(
        rows.map((r) => ({
          followerUri: r.uri,
          followingUri: memberUri,
          localActorId: actor?.id as number,
          direction: 'in' as const,
          state: 'accepted' as const,
        })),
      );
    }

    const { EventProcessor } = await import('../../federation/src/services/event-processor.ts');
    const processor = new EventProcessor({ db, config, logger: app.log, pollIntervalMs: 20 });
    const started = performance.now();
    const result = await app.services.federation.publishNote(
      member?.id as number,
      {
        content: 'Hello, 1 000 followers #bench',
        contentWarning: null,
        visibility: 'public',
        inReplyToId: null,
      },
      { timeoutMs: 5_000 },
    );
    if (!result.ok) throw new Error(`publishing failed: ${result.reason}`);
    processor.start();
    const everyHost = () => remotes.every((r) => r.received.length > 0);
    const deadline = Date.now() + 60_000;
    while (!everyHost() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const elapsedMs = performance.now() - started;
    await processor.stop();
    const posts = remotes.flatMap((r) => r.received);
    const deliveries = await db.db.select().from(apDeliveries);
    return {
      followers: options.followers,
      hosts: options.hosts,
      deliveries: deliveries.length,
      posts: posts.length,
      verified: posts.filter((p) => p.verified && p.keyId === `${memberUri}#main-key`).length,
      elapsedMs,
      delivered: everyHost(),
    };
  } finally {
    await Promise.allSettled([app.close(), ...remotes.map((r) => r.close())]);
    await Promise.allSettled([cache.close(), db.close()]);
  }
}
