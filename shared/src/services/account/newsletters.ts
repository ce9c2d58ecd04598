/**
 * A member's newsletters. The blog holds the newsletters (Ghost's, or its own without Ghost);
 * `newsletter_subscriptions` holds the member's choices. With Ghost configured, Ghost is the
 * source of truth for who receives e-mails: a choice made here is saved, marked pending and
 * written to the Ghost member (created when absent; Admin API `PUT /members/{id}/` replaces
 * the whole set, so choices never made here keep Ghost's value). When Ghost does not take it,
 * the choice stays pending and `account.ghost-writeback` retries until it does. Changes Ghost
 * sends by webhook (a member unsubscribing from an e-mail) land in the same rows (blog's
 * ghost-webhooks), so they show here.
 */
import { and, asc, eq, isNotNull, lte, sql } from 'drizzle-orm';
import {
  freeze,
  type GhostWritebackResult,
  NewsletterChoicesDto,
  type NewsletterDto,
} from '../../contracts/dtos.ts';
import type { AccountService, BlogService } from '../../contracts/protocols.ts';
import type { Database } from '../../db/client.ts';
import {
  ghostMemberLinks,
  ghostMemberWritebacks,
  newsletterSubscriptions,
  newsletters,
  users,
} from '../../db/schema/index.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import type { GhostClient, GhostMember } from '../blog/ghost-client.ts';

export interface NewsletterDeps {
  db: Database;
  /** Remembers that a member's Ghost record was looked at lately (no look-up per page view). */
  cache: Pick<Cache, 'setIfAbsent'>;
  blog: Pick<BlogService, 'listNewsletters'>;
  /** Null without Ghost: choices stay local. */
  ghost: GhostClient | null;
  log: { warn(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
  now: () => Date;
}

type Methods = 'listNewsletters' | 'setNewsletter' | 'writeBackToGhost' | 'listPendingWritebacks';

/** Asks for a write-back of the member's Ghost record (a newer request supersedes an older one). */
export async function requestGhostWriteback(db: Database, userId: number, now: Date): Promise<void> {
  await db
    .insert(ghostMemberWritebacks)
    .values({ userId, requestedAt: now })
    .onConflictDoUpdate({ target: ghostMemberWritebacks.userId, set: { requestedAt: now } });
}

/** How often the newsletters page asks Ghost about a member it has no link for. */
export const GHOST_PULL_INTERVAL_SECONDS = 3_600;

const errorText = (err: unknown) => ((err as Error)?.message ?? String(err)).slice(0, 300);

export function createNewsletters(deps: NewsletterDeps): Pick<AccountService, Methods> & {
  /** Mirrors the member's Ghost subscriptions here when we never linked them (first visit). */
  pullFromGhost(userId: number): Promise<void>;
} {
  const { db, ghost, log } = deps;

  const ghostNewsletters = (all: readonly NewsletterDto[]) => all.filter((n) => n.ghostId);

  /** Writes Ghost's view of the member into our rows (choices pending here are left alone). */
  async function mirror(userId: number, member: GhostMember, syncedAt: Date) {
    const subscribed = new Set((member.newsletters ?? []).map((n) => n.id));
    const known = await db
      .select({ id: newsletters.id, ghostId: newsletters.ghostId })
      .from(newsletters)
      .where(isNotNull(newsletters.ghostId));
    await db.transaction(async (tx) => {
      await tx
        .insert(ghostMemberLinks)
        .values({ userId, ghostMemberId: member.id })
        .onConflictDoUpdate({ target: ghostMemberLinks.userId, set: { ghostMemberId: member.id } });
      for (const n of known) {
        await tx
          .insert(newsletterSubscriptions)
          .values({ userId, newsletterId: n.id, subscribed: subscribed.has(n.ghostId as string), syncedAt })
          .onConflictDoNothing();
      }
    });
  }

  async function writeBackToGhost(userId: number): Promise<GhostWritebackResult> {
    if (!ghost) return { outcome: 'no-ghost' };
    const [user] = await db.select().from(users).where(eq(users.id, userId));
    if (!user || user.closedAt) {
      await db.delete(ghostMemberWritebacks).where(eq(ghostMemberWritebacks.userId, userId));
      return { outcome: 'closed' };
    }
    const [due] = await db
      .select()
      .from(ghostMemberWritebacks)
      .where(eq(ghostMemberWritebacks.userId, userId));
    if (!due) return { outcome: 'nothing-due' };
    const startedAt = deps.now();
    try {
      const [link] = await db.select().from(ghostMemberLinks).where(eq(ghostMemberLinks.userId, userId));
      let member = link ? await ghost.findMemberById(link.ghostMemberId) : null;
      member ??= await ghost.findMemberByEmail(user.email);
      const all = ghostNewsletters(await deps.blog.listNewsletters());
      const rows = await db
        .select({
          newsletterId: newsletterSubscriptions.newsletterId,
          subscribed: newsletterSubscriptions.subscribed,
        })
        .from(newsletterSubscriptions)
        .where(eq(newsletterSubscriptions.userId, userId));
      const ours = new Map(rows.map((r) => [r.newsletterId, r.subscribed]));
      const inGhost = new Set((member?.newsletters ?? []).map((n) => n.id));
      const mine = new Set(all.map((n) => n.ghostId as string));
      // Ours where the member chose here; Ghost's elsewhere (newsletters we do not list too).
      const wanted = [
        ...all
          .filter((n) => ours.get(n.id) ?? inGhost.has(n.ghostId as string))
          .map((n) => n.ghostId as string),
        ...[...inGhost].filter((id) => !mine.has(id)),
      ];
      const written = member
        ? await ghost.updateMember(member.id, {
            ...(member.email.toLowerCase() !== user.email ? { email: user.email } : {}),
            ...(user.displayName && member.name !== user.displayName ? { name: user.displayName } : {}),
            newsletters: wanted,
          })
        : await ghost.createMember({
            email: user.email,
            name: user.displayName,
            newsletters: wanted.map((id) => ({ id })),
          });
      const syncedAt = deps.now();
      const subscribedNow = new Set((written.newsletters ?? []).map((n) => n.id));
      await db.transaction(async (tx) => {
        await tx
          .insert(ghostMemberLinks)
          .values({ userId, ghostMemberId: written.id })
          .onConflictDoUpdate({ target: ghostMemberLinks.userId, set: { ghostMemberId: written.id } });
        for (const n of all) {
          // Ghost's answer is the truth; a choice made after this write-back began stays pending.
          await tx
            .insert(newsletterSubscriptions)
            .values({
              userId,
              newsletterId: n.id,
              subscribed: subscribedNow.has(n.ghostId as string),
              syncedAt,
            })
            .onConflictDoUpdate({
              target: [newsletterSubscriptions.userId, newsletterSubscriptions.newsletterId],
              set: {
                subscribed: sql`case when ${newsletterSubscriptions.pendingSince} > ${startedAt} then ${newsletterSubscriptions.subscribed} else ${subscribedNow.has(n.ghostId as string)} end`,
                syncedAt,
                pendingSince: sql`case when ${newsletterSubscriptions.pendingSince} > ${startedAt} then ${newsletterSubscriptions.pendingSince} else null end`,
              },
            });
        }
        await tx
          .delete(ghostMemberWritebacks)
          .where(
            and(eq(ghostMemberWritebacks.userId, userId), lte(ghostMemberWritebacks.requestedAt, startedAt)),
          );
      });
      return { outcome: 'delivered', ghostMemberId: written.id };
    } catch (err) {
      await db
        .update(ghostMemberWritebacks)
        .set({
          attempts: sql`${ghostMemberWritebacks.attempts} + 1`,
          lastAttemptAt: deps.now(),
          lastError: errorText(err),
        })
        .where(eq(ghostMemberWritebacks.userId, userId));
      throw err;
    }
  }

  return {
    async listNewsletters(userId) {
      const [all, rows, [writeback]] = await Promise.all([
        deps.blog.listNewsletters(),
        db.select().from(newsletterSubscriptions).where(eq(newsletterSubscriptions.userId, userId)),
        db.select().from(ghostMemberWritebacks).where(eq(ghostMemberWritebacks.userId, userId)),
      ]);
      const byId = new Map(rows.map((r) => [r.newsletterId, r]));
      const choices = all.map((newsletter) => {
        const row = byId.get(newsletter.id);
        return { newsletter, subscribed: row?.subscribed ?? false, pending: !!row?.pendingSince };
      });
      return freeze(NewsletterChoicesDto, {
        ghost: ghost !== null,
        choices,
        lastError: choices.some((c) => c.pending) ? (writeback?.lastError ?? null) : null,
      });
    },

    async pullFromGhost(userId) {
      if (!ghost) return;
      const [linked] = await db
        .select({ id: ghostMemberLinks.userId })
        .from(ghostMemberLinks)
        .where(eq(ghostMemberLinks.userId, userId));
      const [chosen] = await db
        .select({ id: newsletterSubscriptions.newsletterId })
        .from(newsletterSubscriptions)
        .where(eq(newsletterSubscriptions.userId, userId))
        .limit(1);
      if (linked || chosen) return;
      const [user] = await db
        .select({ email: users.email, closedAt: users.closedAt })
        .from(users)
        .where(eq(users.id, userId));
      if (!user || user.closedAt) return;
      // Once an hour at most: a member Ghost does not know would otherwise cost a request per view.
      const fresh = await deps.cache
        .setIfAbsent(`account:ghost-pull:${userId}`, '1', GHOST_PULL_INTERVAL_SECONDS)
        .catch(() => false);
      if (!fresh) return;
      try {
        const member = await ghost.findMemberByEmail(user.email);
        if (member) await mirror(userId, member, deps.now());
      } catch (err) {
        // The page shows our rows; the next visit (or a webhook) brings Ghost's.
        log.info({ err: errorText(err), userId }, 'newsletters not read from Ghost');
      }
    },

    async setNewsletter(userId, newsletterId, subscribed) {
      const newsletter = (await deps.blog.listNewsletters()).find((n) => n.id === newsletterId);
      if (!newsletter) return { ok: false, reason: 'not-found' };
      const now = deps.now();
      const viaGhost = ghost !== null && newsletter.ghostId !== null;
      await db.transaction(async (tx) => {
        await tx
          .insert(newsletterSubscriptions)
          .values({ userId, newsletterId, subscribed, pendingSince: viaGhost ? now : null })
          .onConflictDoUpdate({
            target: [newsletterSubscriptions.userId, newsletterSubscriptions.newsletterId],
            set: { subscribed, pendingSince: viaGhost ? now : null },
          });
        if (viaGhost) {
          await tx
            .insert(ghostMemberWritebacks)
            .values({ userId, requestedAt: now })
            .onConflictDoUpdate({ target: ghostMemberWritebacks.userId, set: { requestedAt: now } });
        }
      });
      if (!viaGhost) return { ok: true, subscribed, writeBack: 'none' };
      try {
        await writeBackToGhost(userId);
        return { ok: true, subscribed, writeBack: 'delivered' };
      } catch (err) {
        log.warn({ err: errorText(err), userId }, 'newsletter choice kept pending: Ghost did not take it');
        return { ok: true, subscribed, writeBack: 'pending' };
      }
    },

    writeBackToGhost,

    async listPendingWritebacks(limit, idleSeconds = 0) {
      const idleSince = new Date(deps.now().getTime() - idleSeconds * 1000);
      const rows = await db
        .select({ userId: ghostMemberWritebacks.userId })
        .from(ghostMemberWritebacks)
        .where(
          lte(
            sql`coalesce(${ghostMemberWritebacks.lastAttemptAt}, ${ghostMemberWritebacks.requestedAt})`,
            idleSince,
          ),
        )
        .orderBy(asc(ghostMemberWritebacks.requestedAt))
        .limit(Math.min(Math.max(limit, 1), 1_000));
      return Object.freeze(rows.map((r) => r.userId));
    },
  };
}

/** The member's Ghost newsletter rows that are still waiting for Ghost (tests, the dashboard). */
export async function countPending(db: Database, userId: number): Promise<number> {
  return db.$count(
    newsletterSubscriptions,
    and(eq(newsletterSubscriptions.userId, userId), isNotNull(newsletterSubscriptions.pendingSince)),
  );
}
