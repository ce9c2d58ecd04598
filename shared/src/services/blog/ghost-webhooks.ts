import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, asc, desc, eq, gt, isNotNull, isNull, lt, lte } from 'drizzle-orm';
import { z } from 'zod';
import { JOBS } from '../../contracts/jobs.ts';
import type { Database, DatabaseLike } from '../../db/client.ts';
import {
  ghostMemberLinks,
  ghostWebhookEvents,
  newsletterSubscriptions,
  newsletters,
  posts,
  tags,
  users,
} from '../../db/schema/index.ts';
import { ghostMemberSchema, ghostPostSchema, ghostTagSchema } from './ghost-client.ts';
import { applyPost, Counter, deletePostRow, type SyncDeps, upsertTag } from './ghost-sync.ts';

/** Ghost signs `rawBody + t`; deliveries older (or newer) than this are refused as replays. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;

export type SignatureCheck =
  /** `delivery` names this signed delivery (its HMAC and timestamp): a resend has the same. */
  { ok: true; delivery: string } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/**
 * Verifies `X-Ghost-Signature: sha256=<hex>, t=<unix ms>` where
 * `hex = HMAC_SHA256(secret, rawBody + t)`, in constant time, with a timestamp window.
 */
export function verifyGhostSignature(
  rawBody: string,
  header: string | undefined,
  secret: string,
  now = Date.now(),
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing' };
  const match = /^sha256=([0-9a-f]{64}),\s*t=(\d{10,16})$/i.exec(header.trim());
  if (!match) return { ok: false, reason: 'malformed' };
  const [, hex, t] = match as unknown as [string, string, string];
  if (Math.abs(now - Number(t)) > SIGNATURE_TOLERANCE_MS) return { ok: false, reason: 'stale' };
  const expected = createHmac('sha256', secret)
    .update(rawBody + t)
    .digest();
  const given = Buffer.from(hex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ok: true, delivery: `${hex.toLowerCase()}:${t}` }
    : { ok: false, reason: 'mismatch' };
}

/** `{ post: { current, previous } }` and friends; `site.changed` sends `{}`. */
export function describeWebhook(payload: Record<string, unknown>): string {
  const key = Object.keys(payload).find((k) => k !== 'event');
  if (typeof payload.event === 'string') return payload.event;
  if (!key) return 'site.changed';
  const body = payload[key] as { current?: Record<string, unknown> } | undefined;
  const deleted = body?.current && Object.keys(body.current).length === 0;
  return `${key}.${deleted ? 'deleted' : 'changed'}`;
}

/**
 * Stores a verified delivery once: the same signed delivery sent again (a replay, or a proxy
 * retrying) finds the stored row and is not stored, or applied, twice.
 */
export async function storeWebhook(
  db: Database,
  payload: Record<string, unknown>,
  delivery: string,
): Promise<{ id: number; duplicate: boolean }> {
  const [row] = await db
    .insert(ghostWebhookEvents)
    .values({ event: describeWebhook(payload), payload, delivery })
    .onConflictDoNothing({ target: ghostWebhookEvents.delivery })
    .returning({ id: ghostWebhookEvents.id });
  if (row) return { id: row.id, duplicate: false };
  const [stored] = await db
    .select({ id: ghostWebhookEvents.id })
    .from(ghostWebhookEvents)
    .where(eq(ghostWebhookEvents.delivery, delivery));
  if (!stored) throw new Error('a webhook delivery conflicted but cannot be found');
  return { id: stored.id, duplicate: true };
}

const changeSchema = z.object({
  current: z.record(z.string(), z.unknown()),
  previous: z.record(z.string(), z.unknown()).optional(),
});

/** Applying a delivery is tried this many times (its job's first run and retries), then marked failed. */
export const MAX_ATTEMPTS = JOBS['blog.ghost-webhook'].retry.limit + 1;

/** A delivery that can never apply as sent (malformed): marked failed at once, not retried. */
export class UnapplicableDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnapplicableDeliveryError';
  }
}

/**
 * Applies stored deliveries in arrival order (up to `upTo` when given), one row per
 * transaction. A row another worker is applying is waited for (`FOR UPDATE`), so a caller returns
 * only once everything before it is settled; each row applies in a savepoint, so a failing one
 * records its error and the next still applies. Idempotent: the state in each payload is
 * compared with ours by Ghost's `updated_at`, so a retried or echoed delivery changes nothing.
 */
export async function processStoredWebhooks(
  deps: SyncDeps & { onSiteChanged?: () => Promise<void> },
  options: { upTo?: number } = {},
): Promise<number> {
  let processed = 0;
  let siteChanged = false;
  let after = 0;
  const pending = () =>
    and(
      isNull(ghostWebhookEvents.processedAt),
      isNull(ghostWebhookEvents.failedAt),
      lt(ghostWebhookEvents.attempts, MAX_ATTEMPTS),
      gt(ghostWebhookEvents.id, after),
      options.upTo ? lte(ghostWebhookEvents.id, options.upTo) : undefined,
    );
  for (;;) {
    const next = await deps.db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(ghostWebhookEvents)
        .where(pending())
        .orderBy(asc(ghostWebhookEvents.id))
        .limit(1)
        .for('update');
      // A row we waited for may have been applied meanwhile; LIMIT 1 then yields nothing even
      // when later rows are pending, so look again before stopping.
      if (!row) return (await tx.$count(ghostWebhookEvents, pending())) > 0 ? after : null;
      try {
        // A savepoint: a failing delivery rolls back alone and the claim can still record it.
        const applied = await tx.transaction((sp) =>
          applyWebhook({ ...deps, db: sp }, row.payload as Record<string, unknown>),
        );
        if (applied === 'site-changed') siteChanged = true;
        await tx
          .update(ghostWebhookEvents)
          .set({ processedAt: new Date(), attempts: row.attempts + 1, error: null })
          .where(eq(ghostWebhookEvents.id, row.id));
        processed++;
      } catch (err) {
        const attempts = row.attempts + 1;
        const givenUp = err instanceof UnapplicableDeliveryError || attempts >= MAX_ATTEMPTS;
        deps.log.warn(
          { err, event: row.event, id: row.id, attempts },
          givenUp ? 'ghost webhook failed; given up (see /admin/sync)' : 'ghost webhook failed; will retry',
        );
        await tx
          .update(ghostWebhookEvents)
          .set({ attempts, error: errorMessage(err), ...(givenUp ? { failedAt: new Date() } : {}) })
          .where(eq(ghostWebhookEvents.id, row.id));
      }
      return row.id;
    });
    if (next === null) break;
    after = next;
  }
  // `site.changed` says nothing about what changed: pull once, after the claims are released
  // (the pull uses its own connections; inside a claim it would wait on itself when embedded).
  if (siteChanged) await deps.onSiteChanged?.();
  return processed;
}

/**
 * What an admin reads on /admin/sync: the database's own message rather than the query wrapper
 * around it (`Failed query: insert into … params: …`).
 */
function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  return err.message.startsWith('Failed query') && cause instanceof Error ? cause.message : err.message;
}

/** A stored delivery's state: applied, failed (given up), still to do (with the last error), or unknown. */
export async function webhookState(
  db: DatabaseLike,
  id: number,
): Promise<{ applied: boolean; failed: boolean; attempts: number; error: string | null } | null> {
  const [row] = await db
    .select({
      processedAt: ghostWebhookEvents.processedAt,
      failedAt: ghostWebhookEvents.failedAt,
      attempts: ghostWebhookEvents.attempts,
      error: ghostWebhookEvents.error,
    })
    .from(ghostWebhookEvents)
    .where(eq(ghostWebhookEvents.id, id));
  return row
    ? {
        applied: row.processedAt !== null,
        failed: row.failedAt !== null,
        attempts: row.attempts,
        error: row.error,
      }
    : null;
}

/** Failed deliveries, newest first (the sync page lists them with retry and discard buttons). */
export async function listFailedWebhooks(db: DatabaseLike, limit = 50) {
  const rows = await db
    .select({
      id: ghostWebhookEvents.id,
      event: ghostWebhookEvents.event,
      receivedAt: ghostWebhookEvents.receivedAt,
      failedAt: ghostWebhookEvents.failedAt,
      attempts: ghostWebhookEvents.attempts,
      error: ghostWebhookEvents.error,
    })
    .from(ghostWebhookEvents)
    .where(and(isNull(ghostWebhookEvents.processedAt), isNotNull(ghostWebhookEvents.failedAt)))
    .orderBy(desc(ghostWebhookEvents.id))
    .limit(limit);
  return rows.map((r) => ({ ...r, failedAt: r.failedAt as Date }));
}

/** A failed delivery becomes pending again, its attempts reset; false when there is no such failed row. */
export async function retryFailedWebhook(db: DatabaseLike, id: number): Promise<boolean> {
  const rows = await db
    .update(ghostWebhookEvents)
    .set({ failedAt: null, attempts: 0, error: null })
    .where(
      and(
        eq(ghostWebhookEvents.id, id),
        isNull(ghostWebhookEvents.processedAt),
        isNotNull(ghostWebhookEvents.failedAt),
      ),
    )
    .returning({ id: ghostWebhookEvents.id });
  return rows.length > 0;
}

/** A failed delivery is dropped for good. */
export async function discardFailedWebhook(db: DatabaseLike, id: number): Promise<boolean> {
  const rows = await db
    .delete(ghostWebhookEvents)
    .where(
      and(
        eq(ghostWebhookEvents.id, id),
        isNull(ghostWebhookEvents.processedAt),
        isNotNull(ghostWebhookEvents.failedAt),
      ),
    )
    .returning({ id: ghostWebhookEvents.id });
  return rows.length > 0;
}

async function applyWebhook(
  deps: SyncDeps,
  payload: Record<string, unknown>,
): Promise<'applied' | 'site-changed'> {
  try {
    return await applyWebhookPayload(deps, payload);
  } catch (err) {
    if (!(err instanceof z.ZodError)) throw err;
    // Shown on the sync page and by `pnpm jobs`: say what is wrong in one line.
    const key = Object.keys(payload).find((k) => k !== 'event') ?? 'payload';
    const issues = err.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new UnapplicableDeliveryError(`The ${key} in this delivery is malformed (${issues})`);
  }
}

async function applyWebhookPayload(
  deps: SyncDeps,
  payload: Record<string, unknown>,
): Promise<'applied' | 'site-changed'> {
  const counter = new Counter();
  const key = Object.keys(payload).find((k) => k !== 'event');
  if (!key) return 'site-changed';
  const change = changeSchema.parse(payload[key]);
  const deleted = Object.keys(change.current).length === 0;
  switch (key) {
    case 'post':
    case 'page': {
      const type = key;
      if (deleted) {
        const previous = ghostPostSchema.pick({ id: true }).parse(change.previous);
        const [row] = await deps.db
          .select({ id: posts.id, status: posts.status })
          .from(posts)
          .where(eq(posts.ghostId, previous.id));
        if (row) await deletePostRow(deps, row.id, type, row.status, counter);
        return 'applied';
      }
      await applyPost(deps, type, ghostPostSchema.parse(change.current), counter);
      return 'applied';
    }
    case 'tag': {
      // A tag shows on every post carrying it: those pages (and posts held in memory) go.
      if (deleted) {
        const previous = ghostTagSchema.pick({ id: true }).parse(change.previous);
        const gone = await deps.db
          .delete(tags)
          .where(eq(tags.ghostId, previous.id))
          .returning({ id: tags.id });
        if (gone.length) await deps.onSiteWideChange?.();
        return 'applied';
      }
      if ((await upsertTag(deps.db, ghostTagSchema.parse(change.current))) !== 'unchanged') {
        await deps.onSiteWideChange?.();
      }
      return 'applied';
    }
    case 'member': {
      await applyMember(deps.db, deleted ? null : ghostMemberSchema.parse(change.current), change.previous);
      return 'applied';
    }
    default:
      deps.log.info({ key }, 'ghost webhook for a resource we do not mirror');
      return 'applied';
  }
}

/**
 * Members are Ghost's newsletter subscribers. A member whose e-mail matches one of our users
 * is linked to them, and their newsletter set mirrored into newsletter_subscriptions.
 */
async function applyMember(
  db: DatabaseLike,
  member: z.infer<typeof ghostMemberSchema> | null,
  previous: Record<string, unknown> | undefined,
) {
  const email = (member?.email ?? (previous?.email as string | undefined))?.toLowerCase();
  if (!email) return;
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (!user) return;
  await db.transaction(async (tx) => {
    if (!member) {
      await tx.delete(ghostMemberLinks).where(eq(ghostMemberLinks.userId, user.id));
      await tx
        .update(newsletterSubscriptions)
        .set({ subscribed: false, syncedAt: new Date() })
        .where(eq(newsletterSubscriptions.userId, user.id));
      return;
    }
    await tx
      .insert(ghostMemberLinks)
      .values({ userId: user.id, ghostMemberId: member.id })
      .onConflictDoUpdate({ target: ghostMemberLinks.userId, set: { ghostMemberId: member.id } });
    if (!member.newsletters) return;
    const subscribedGhostIds = member.newsletters.map((n) => n.id);
    const all = await tx.select({ id: newsletters.id, ghostId: newsletters.ghostId }).from(newsletters);
    for (const n of all) {
      const subscribed = !!n.ghostId && subscribedGhostIds.includes(n.ghostId);
      await tx
        .insert(newsletterSubscriptions)
        .values({ userId: user.id, newsletterId: n.id, subscribed, syncedAt: new Date() })
        .onConflictDoUpdate({
          target: [newsletterSubscriptions.userId, newsletterSubscriptions.newsletterId],
          set: { subscribed, syncedAt: new Date() },
        });
    }
  });
}
