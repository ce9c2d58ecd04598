import { randomUUID } from 'node:crypto';
import type { AppConfig } from '@rose-ash/shared/config/index.ts';
import type { DatabaseHandle } from '@rose-ash/shared/db/client.ts';
import {
  apActivities,
  apDeliveries,
  apDeliveryAttempts,
  apFollows,
  apObjects,
  apRemoteActors,
} from '@rose-ash/shared/db/schema/index.ts';
import {
  DEFAULT_RETRY_SCHEDULE_MS,
  deliverToInbox,
} from '@rose-ash/shared/infrastructure/activitypub/delivery.ts';
import {
  fetchActivityDocument,
  type RemoteFetchOptions,
  remoteFetchOptions,
} from '@rose-ash/shared/infrastructure/activitypub/remote-fetch.ts';
import { requestSigner } from '@rose-ash/shared/infrastructure/activitypub/signatures.ts';
import { AS_PUBLIC, actorUri, parseLocalActorUri } from '@rose-ash/shared/infrastructure/activitypub/uris.ts';
import type { Cache } from '@rose-ash/shared/infrastructure/cache.ts';
import { isBlocked, resolveRemoteActor } from '@rose-ash/shared/services/federation/actor-store.ts';
import { dropAccountNav } from '@rose-ash/shared/services/federation/notification-service.ts';
import { dropComments } from '@rose-ash/shared/services/federation/social-hub.ts';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { type InboundEffects, inboundHandlers } from './inbound-handlers.ts';

type Logger = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error' | 'debug'>;

export interface EventProcessorOptions {
  db: DatabaseHandle;
  config: AppConfig;
  logger: Logger;
  /**
   * The fragment cache: after an incoming activity is applied, the `account-nav` badges and
   * `comments` fragments it changed are dropped. Without it they expire on their own.
   */
  cache?: Cache | null;
  /** Recorded as `claimed_by`; unique per worker. */
  workerId?: string;
  batchSize?: number;
  pollIntervalMs?: number;
  /** A row claimed longer ago than this by a worker that died is taken over. */
  staleClaimMs?: number;
  /** How long a claimed delivery is hidden from other workers while its POST runs. */
  deliveryLeaseMs?: number;
  /** Delay before retry number `attempt` (1-based); its length bounds the attempts. */
  retrySchedule?: number[];
  /** Failed activities (not deliveries) are retried this many times. */
  maxActivityAttempts?: number;
  /** Test seam: runs before each claimed activity is handled. */
  beforeActivity?: (activityId: string) => Promise<void>;
}

interface ClaimedActivity {
  id: number;
  activity_id: string;
  direction: 'in' | 'out';
  type: string;
  actor_uri: string;
  object: Record<string, unknown>;
  attempts: number;
}

interface ClaimedDelivery {
  id: number;
  activity_id: number;
  inbox_url: string;
  attempts: number;
}

/**
 * Works through `ap_activities`: outgoing rows fan out into `ap_deliveries` (one per inbox,
 * followers collapsed onto shared inboxes), incoming rows go through the `type → handler`
 * table; then due deliveries are POSTed, signed at send time, every attempt recorded, with
 * back-off. Rows are claimed with FOR UPDATE SKIP LOCKED, so several processors (replicas)
 * never take the same row, and a claim older than `staleClaimMs` is taken over, so a killed
 * worker loses nothing. Every step is idempotent (unique keys, ON CONFLICT DO NOTHING).
 */
export class EventProcessor {
  readonly workerId: string;
  private readonly db: DatabaseHandle;
  private readonly config: AppConfig;
  private readonly logger: Logger;
  private readonly fetchOptions: RemoteFetchOptions;
  private readonly cache: Cache | null;
  private readonly options: Required<
    Omit<EventProcessorOptions, 'db' | 'config' | 'logger' | 'beforeActivity' | 'cache'>
  > &
    Pick<EventProcessorOptions, 'beforeActivity'>;
  private running: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;

  constructor(options: EventProcessorOptions) {
    this.db = options.db;
    this.config = options.config;
    this.logger = options.logger;
    this.cache = options.cache ?? null;
    this.fetchOptions = remoteFetchOptions(options.config);
    this.workerId = options.workerId ?? `ep-${randomUUID()}`;
    this.options = {
      workerId: this.workerId,
      batchSize: options.batchSize ?? 20,
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
      staleClaimMs: options.staleClaimMs ?? 5 * 60_000,
      deliveryLeaseMs: options.deliveryLeaseMs ?? 60_000,
      retrySchedule: options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE_MS,
      maxActivityAttempts: options.maxActivityAttempts ?? 5,
      beforeActivity: options.beforeActivity,
    };
  }

  /** Starts polling in the background; `stop()` ends it after the current step. */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) {
        let worked = 0;
        try {
          const result = await this.runOnce();
          worked = result.activities + result.deliveries;
        } catch (err) {
          this.logger.error({ err }, 'event processor step failed');
        }
        if (!worked && !this.stopping) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.options.pollIntervalMs);
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wake = null;
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = null;
  }

  /** One pass: a batch of activities, then a batch of due deliveries. */
  async runOnce(): Promise<{ activities: number; deliveries: number }> {
    const activities = await this.claimActivities();
    for (const row of activities) {
      if (this.options.beforeActivity) await this.options.beforeActivity(row.activity_id);
      await this.processActivity(row);
    }
    const deliveries = await this.claimDeliveries();
    await this.deliverAll(deliveries);
    return { activities: activities.length, deliveries: deliveries.length };
  }

  private claimActivities(): Promise<ClaimedActivity[]> {
    return this.db
      .query<ClaimedActivity>(
        `UPDATE ap_activities SET status = 'processing', claimed_at = now(), claimed_by = $1, attempts = attempts + 1
       WHERE id IN (
         SELECT id FROM ap_activities
         WHERE status = 'pending'
            OR (status = 'processing' AND claimed_at < now() - make_interval(secs => $2::double precision / 1000))
         ORDER BY created_at, id
         LIMIT $3
         FOR UPDATE SKIP LOCKED)
       RETURNING id, activity_id, direction, type, actor_uri, object, attempts`,
        [this.workerId, this.options.staleClaimMs, this.options.batchSize],
      )
      .then((rows) => rows.sort((a, b) => a.id - b.id));
  }

  private async processActivity(row: ClaimedActivity): Promise<void> {
    try {
      if (row.direction === 'out') {
        const inboxes = await this.resolveInboxes(row);
        await this.db.db.transaction(async (tx) => {
          if (inboxes.length) {
            await tx
              .insert(apDeliveries)
              .values(inboxes.map((inboxUrl) => ({ activityId: row.id, inboxUrl })))
              .onConflictDoNothing();
          }
          await this.finish(tx, row.id, 'done', null);
        });
      } else {
        const handler = inboundHandlers[row.type];
        const effects: InboundEffects = { notifiedUsers: new Set(), repliesChanged: new Set() };
        // Requests happen before the transaction, never inside it (a slow server must not hold a
        // transaction open), and their failures only cost detail (a name, an avatar, a boost).
        const fetched = handler ? await this.prepareInbound(row) : null;
        await this.db.db.transaction(async (tx) => {
          if (handler) {
            await handler({
              tx,
              config: this.config,
              activity: row.object,
              actor: row.actor_uri,
              activityId: row.activity_id,
              fetched,
              effects,
            });
          } else {
            this.logger.debug({ type: row.type, activity: row.activity_id }, 'no handler for activity type');
          }
          await this.finish(tx, row.id, 'done', null);
        });
        await Promise.all([
          dropAccountNav(this.cache, effects.notifiedUsers),
          dropComments(this.cache, effects.repliesChanged),
        ]).catch((err: unknown) => this.logger.warn({ err }, 'cache invalidation failed'));
      }
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      const giveUp = row.attempts >= this.options.maxActivityAttempts;
      this.logger.warn({ err, activity: row.activity_id, giveUp }, 'activity processing failed');
      await this.finish(this.db.db, row.id, giveUp ? 'failed' : 'pending', message);
    }
  }

  /**
   * Before an incoming activity is applied: the sender's profile is cached (names and avatars
   * on timelines, comments and notifications), and a boosted post we do not have is fetched
   * from its own origin. Returns that post, or null.
   */
  private async prepareInbound(row: ClaimedActivity): Promise<Record<string, unknown> | null> {
    const sign = requestSigner(this.config, actorUri(this.config, { kind: 'app', app: 'federation' }));
    if (row.type !== 'Delete' && !parseLocalActorUri(this.config, row.actor_uri)) {
      await resolveRemoteActor(this.db.db, row.actor_uri, this.fetchOptions, sign).catch((err: unknown) =>
        this.logger.debug({ err, actor: row.actor_uri }, 'sender profile not fetched'),
      );
    }
    if (row.type !== 'Announce' || typeof row.object['object'] !== 'string') return null;
    const uri = row.object['object'];
    if (parseLocalActorUri(this.config, uri) || !URL.canParse(uri)) return null;
    const [known] = await this.db.db
      .select({ id: apObjects.id })
      .from(apObjects)
      .where(eq(apObjects.uri, uri))
      .limit(1);
    if (known || (await isBlocked(this.db.db, [uri]))) return null;
    try {
      const { url, document } = await fetchActivityDocument(uri, this.fetchOptions, sign);
      // Only what the object's own server says about it (a redirect elsewhere is not it).
      return document['id'] === uri && new URL(url).origin === new URL(uri).origin ? document : null;
    } catch (err) {
      this.logger.debug({ err, object: uri }, 'boosted object not fetched');
      return null;
    }
  }

  private async finish(
    db: DatabaseHandle['db'] | Parameters<Parameters<DatabaseHandle['db']['transaction']>[0]>[0],
    id: number,
    status: 'done' | 'failed' | 'pending',
    error: string | null,
  ): Promise<void> {
    await db
      .update(apActivities)
      .set({
        status,
        lastError: error,
        claimedAt: null,
        claimedBy: null,
        processedAt: status === 'pending' ? null : new Date(),
      })
      .where(and(eq(apActivities.id, id), eq(apActivities.claimedBy, this.workerId)));
  }

  /**
   * Where an outgoing activity goes: the sender's followers if it addresses its followers
   * collection or is public, plus every remote actor named in to/cc. Followers behind one
   * shared inbox collapse onto it.
   */
  private async resolveInboxes(row: ClaimedActivity): Promise<string[]> {
    const audience = ['to', 'cc', 'bto', 'bcc', 'audience']
      .flatMap((k) => {
        const v = row.object[k];
        return Array.isArray(v) ? v : v === undefined ? [] : [v];
      })
      .filter((v): v is string => typeof v === 'string');
    const followersUri = `${row.actor_uri}/followers`;
    const recipients = new Set<string>();
    if (audience.includes(followersUri) || audience.includes(AS_PUBLIC)) {
      const followers = await this.db.db
        .select({ uri: apFollows.followerUri })
        .from(apFollows)
        .where(
          and(
            eq(apFollows.followingUri, row.actor_uri),
            eq(apFollows.direction, 'in'),
            eq(apFollows.state, 'accepted'),
          ),
        );
      for (const f of followers) recipients.add(f.uri);
    }
    for (const uri of audience) {
      if (uri === AS_PUBLIC || uri === followersUri || uri.endsWith('/followers')) continue;
      if (parseLocalActorUri(this.config, uri)) continue;
      recipients.add(uri);
    }
    if (!recipients.size) return [];
    const known = await this.db.db
      .select()
      .from(apRemoteActors)
      .where(inArray(apRemoteActors.uri, [...recipients]));
    const byUri = new Map(known.map((a) => [a.uri, a]));
    const sign = requestSigner(this.config, actorUri(this.config, { kind: 'app', app: 'federation' }));
    const inboxes = new Set<string>();
    for (const uri of recipients) {
      let actor = byUri.get(uri);
      if (!actor) {
        try {
          actor = await resolveRemoteActor(this.db.db, uri, this.fetchOptions, sign);
        } catch (err) {
          this.logger.warn(
            { err, recipient: uri, activity: row.activity_id },
            'recipient could not be resolved',
          );
          continue;
        }
      }
      inboxes.add(actor.sharedInbox ?? actor.inbox);
    }
    return [...inboxes];
  }

  private claimDeliveries(): Promise<ClaimedDelivery[]> {
    return this.db.query<ClaimedDelivery>(
      `UPDATE ap_deliveries SET next_attempt_at = now() + make_interval(secs => $1::double precision / 1000), updated_at = now()
       WHERE id IN (
         SELECT id FROM ap_deliveries
         WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at, id
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
       RETURNING id, activity_id, inbox_url, attempts`,
      [this.options.deliveryLeaseMs, this.options.batchSize],
    );
  }

  /** Hosts in parallel, one request at a time per host (a per-host concurrency limit of 1). */
  private async deliverAll(deliveries: ClaimedDelivery[]): Promise<void> {
    if (!deliveries.length) return;
    const activityRows = await this.db.db
      .select({ id: apActivities.id, object: apActivities.object })
      .from(apActivities)
      .where(inArray(apActivities.id, [...new Set(deliveries.map((d) => d.activity_id))]));
    const payloads = new Map(activityRows.map((r) => [r.id, r.object]));
    const byHost = new Map<string, ClaimedDelivery[]>();
    for (const d of deliveries) {
      const host = new URL(d.inbox_url).host;
      byHost.set(host, [...(byHost.get(host) ?? []), d]);
    }
    await Promise.all(
      [...byHost.values()].map(async (queue) => {
        for (const delivery of queue) {
          const payload = payloads.get(delivery.activity_id);
          if (payload) await this.deliverOne(delivery, payload);
        }
      }),
    );
  }

  private async deliverOne(delivery: ClaimedDelivery, activity: Record<string, unknown>): Promise<void> {
    const started = Date.now();
    const outcome = await deliverToInbox(this.config, this.fetchOptions, activity, delivery.inbox_url);
    const attempts = delivery.attempts + 1;
    const schedule = this.options.retrySchedule;
    let status: 'pending' | 'delivered' | 'failed' | 'dead';
    let nextAttemptAt = new Date();
    if (outcome.kind === 'delivered') status = 'delivered';
    else if (outcome.kind === 'give-up') status = 'failed';
    else if (attempts > schedule.length) status = 'dead';
    else {
      status = 'pending';
      const delay = Math.max(schedule[attempts - 1] ?? 0, outcome.retryAfterMs ?? 0);
      nextAttemptAt = new Date(Date.now() + delay);
    }
    const error = outcome.kind === 'delivered' ? null : outcome.error;
    await this.db.db.transaction(async (tx) => {
      await tx.insert(apDeliveryAttempts).values({
        deliveryId: delivery.id,
        statusCode: outcome.statusCode,
        error,
        durationMs: Date.now() - started,
      });
      await tx
        .update(apDeliveries)
        .set({
          status,
          attempts: sql`${apDeliveries.attempts} + 1`,
          lastStatusCode: outcome.statusCode,
          lastError: error,
          nextAttemptAt,
          deliveredAt: status === 'delivered' ? new Date() : null,
        })
        .where(eq(apDeliveries.id, delivery.id));
    });
    this.logger[status === 'delivered' ? 'debug' : 'info'](
      { inbox: delivery.inbox_url, status, statusCode: outcome.statusCode, attempts },
      'activity delivery attempt',
    );
  }
}
