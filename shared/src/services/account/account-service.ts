/**
 * The AccountService: a member's own place. It owns the account tables (newsletter choices and
 * their Ghost write-backs, mailed confirmations, the private calendar feed) and reads every
 * other domain through its service: bookings and tickets from the calendar, orders from the
 * cart, the fediverse profile and sign-in sessions from federation, newsletters from the blog.
 * One file per concern beside this one; this file wires them and holds the profile, the
 * confirmations (e-mail change, closing), the export and the dashboard.
 */
import { rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { and, asc, eq, ne } from 'drizzle-orm';
import type { AppConfig } from '../../config/index.ts';
import { DashboardDto, freeze, PendingConfirmationDto, ProfileDto } from '../../contracts/dtos.ts';
import type {
  AccountService,
  BlogService,
  CalendarService,
  CartService,
  FederationService,
} from '../../contracts/protocols.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import {
  accountConfirmations,
  calendarFeedTokens,
  ghostMemberLinks,
  ghostMemberWritebacks,
  newsletterSubscriptions,
  newsletters,
  users,
} from '../../db/schema/index.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { invalidateFragment } from '../../infrastructure/fragments.ts';
import { createGhostClient, type GhostClient } from '../blog/ghost-client.ts';
import { normalizeEmail } from '../federation/user-service.ts';
import { createCalendarFeed } from './calendar-feed.ts';
import {
  consumeConfirmations,
  findLiveConfirmation,
  issueConfirmation,
  purgeConfirmations,
} from './confirmations.ts';
import { createDevices } from './devices.ts';
import { createMemberActivity } from './member-activity.ts';
import { createNewsletters, requestGhostWriteback } from './newsletters.ts';

/** How long the account waits for Ghost while a member waits (a toggle's immediate write-back). */
export const GHOST_TIMEOUT_MS = 5_000;

export interface AccountServiceDeps {
  db: DatabaseHandle;
  /** Sessions of every app live here (signing out, the name in them); fragments too. */
  cache: Cache;
  config: AppConfig;
  log: { info(obj: unknown, msg?: string): void; warn(obj: unknown, msg?: string): void };
  blog: Pick<BlogService, 'listNewsletters'>;
  calendar: CalendarService;
  cart: CartService;
  federation: FederationService;
  /** Overrides the Ghost client built from config.ghost (tests); null: no Ghost. */
  ghost?: GhostClient | null;
  now?: () => Date;
}

export function createAccountService(deps: AccountServiceDeps): AccountService {
  const db = deps.db.db;
  const { config, federation, cache } = deps;
  const now = deps.now ?? (() => new Date());
  const ghost =
    deps.ghost !== undefined
      ? deps.ghost
      : config.ghost
        ? createGhostClient({ ...config.ghost, timeoutMs: GHOST_TIMEOUT_MS })
        : null;
  const newsletterService = createNewsletters({ db, cache, blog: deps.blog, ghost, log: deps.log, now });
  const devices = createDevices({ cache, federation });
  const activity = createMemberActivity({ calendar: deps.calendar, cart: deps.cart, now });
  const feed = createCalendarFeed({ db, calendar: deps.calendar, now });

  const liveUser = async (userId: number) => {
    const [user] = await db.select().from(users).where(eq(users.id, userId));
    return user && !user.closedAt ? user : null;
  };

  /** The header's name and menu: dropped so a change shows on the next page. */
  const dropAccountNav = async (userId: number) => {
    try {
      await invalidateFragment(cache, 'account-nav', { userId });
    } catch (err) {
      deps.log.warn({ err }, 'account-nav not dropped');
    }
  };

  /** A closed account's avatar file goes too (best effort: a stray file is only a file). */
  const removeAvatarFile = async (avatarPath: string | null) => {
    if (!avatarPath) return;
    const root = resolve(config.paths.media);
    const file = resolve(join(root, avatarPath));
    if (!file.startsWith(root + sep)) return;
    await rm(file, { force: true }).catch((err: unknown) => deps.log.warn({ err }, 'avatar not removed'));
  };

  const service: AccountService = {
    async getProfile(userId) {
      const [row] = await db
        .select({
          id: users.id,
          email: users.email,
          displayName: users.displayName,
          username: users.username,
          bio: users.bio,
        })
        .from(users)
        .where(eq(users.id, userId))
        .limit(1);
      return row ? freeze(ProfileDto, row) : null;
    },

    async getDashboard(userId) {
      const user = await liveUser(userId);
      if (!user) return null;
      const [profile, member, bookings, tickets, orders, letters, unread] = await Promise.all([
        service.getProfile(userId),
        federation.getMember(userId),
        activity.listBookings(userId),
        activity.listTickets(userId),
        deps.cart.getOrdersForUser(userId, { limit: 3 }),
        newsletterService.listNewsletters(userId),
        federation.countUnreadNotifications(userId),
      ]);
      const at = now();
      return freeze(DashboardDto, {
        profile: profile as ProfileDto,
        handle: member?.handle ?? null,
        avatarUrl: member?.avatarUrl ?? null,
        upcomingBookings: bookings
          .filter((b) => b.booking.status === 'confirmed' && (b.entry.endsAt ?? b.entry.startsAt) >= at)
          .slice(0, 3),
        upcomingTickets: tickets.filter((t) => !t.past && t.state === 'valid').slice(0, 3),
        recentOrders: orders,
        newsletters: {
          subscribed: letters.choices.filter((c) => c.subscribed).map((c) => c.newsletter.name),
          total: letters.choices.length,
          pending: letters.choices.filter((c) => c.pending).length,
        },
        unreadNotifications: unread,
      });
    },

    // ---- profile ----------------------------------------------------------------------------

    async setDisplayName(userId, displayName) {
      const member = await federation.getMember(userId);
      if (!member) return;
      // Through federation: followers of the member's actor get `Update(Person)`.
      await federation.updateProfile(userId, {
        displayName,
        bio: member.bio,
        manuallyApprovesFollowers: member.manuallyApprovesFollowers,
      });
      const user = await liveUser(userId);
      if (!user) return;
      await devices.refreshSessions(userId, { email: user.email, name: user.displayName });
      await dropAccountNav(userId);
      // The Ghost member is greeted by name in newsletters.
      const [linked] = await db.select().from(ghostMemberLinks).where(eq(ghostMemberLinks.userId, userId));
      if (linked && ghost) await requestGhostWriteback(db, userId, now());
    },

    async requestEmailChange(userId, wanted) {
      const user = await liveUser(userId);
      if (!user) return { ok: false, reason: 'not-found' };
      const newEmail = normalizeEmail(wanted);
      if (newEmail === user.email) return { ok: false, reason: 'same' };
      const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.email, newEmail));
      if (taken) return { ok: false, reason: 'taken' };
      const issued = await issueConfirmation(db, { userId, purpose: 'email-change', newEmail, now: now() });
      if (!issued.ok) return issued;
      return { ok: true, token: issued.token, email: user.email, newEmail, expiresAt: issued.expiresAt };
    },

    async requestClosure(userId) {
      const user = await liveUser(userId);
      if (!user) return { ok: false, reason: 'not-found' };
      const issued = await issueConfirmation(db, {
        userId,
        purpose: 'close-account',
        newEmail: null,
        now: now(),
      });
      if (!issued.ok) return issued;
      return {
        ok: true,
        token: issued.token,
        email: user.email,
        newEmail: null,
        expiresAt: issued.expiresAt,
      };
    },

    async findConfirmation(token) {
      const row = await findLiveConfirmation(db, token, now());
      const user = row ? await liveUser(row.userId) : null;
      if (!row || !user) return null;
      return freeze(PendingConfirmationDto, {
        purpose: row.purpose,
        userId: row.userId,
        email: user.email,
        newEmail: row.newEmail,
        expiresAt: row.expiresAt,
      });
    },

    async confirmEmailChange(token) {
      const at = now();
      const outcome = await db.transaction(async (tx) => {
        const row = await findLiveConfirmation(tx, token, at, { lock: true });
        if (row?.purpose !== 'email-change' || !row.newEmail)
          return { ok: false as const, reason: 'invalid' as const };
        const [user] = await tx.select().from(users).where(eq(users.id, row.userId)).for('update');
        if (!user || user.closedAt) return { ok: false as const, reason: 'invalid' as const };
        const newEmail = row.newEmail;
        // Someone signed up with that address since the link was sent: it stays theirs.
        const [taken] = await tx
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.email, newEmail), ne(users.id, user.id)));
        if (taken) return { ok: false as const, reason: 'taken' as const };
        await tx.update(users).set({ email: newEmail, emailVerifiedAt: at }).where(eq(users.id, user.id));
        await consumeConfirmations(tx, row, at);
        return {
          ok: true as const,
          userId: user.id,
          oldEmail: user.email,
          newEmail,
          displayName: user.displayName,
        };
      });
      if (!outcome.ok) return outcome;
      const { displayName, ...result } = outcome;
      await devices.refreshSessions(result.userId, { email: result.newEmail, name: displayName });
      await dropAccountNav(result.userId);
      // The Ghost member's address follows (only for a member Ghost knows already).
      const [linked] = await db
        .select()
        .from(ghostMemberLinks)
        .where(eq(ghostMemberLinks.userId, result.userId));
      if (linked && ghost) await requestGhostWriteback(db, result.userId, now());
      return result;
    },

    async closeAccount(token) {
      const at = now();
      const closed = await db.transaction(async (tx) => {
        const row = await findLiveConfirmation(tx, token, at, { lock: true });
        if (row?.purpose !== 'close-account') return null;
        const [user] = await tx.select().from(users).where(eq(users.id, row.userId)).for('update');
        if (!user || user.closedAt) return null;
        await consumeConfirmations(tx, row, at);
        const [link] = await tx.select().from(ghostMemberLinks).where(eq(ghostMemberLinks.userId, user.id));
        await deps.cart.forgetCustomer(user.id, tx);
        await deps.calendar.forgetMember(user.id, tx);
        // Last: the social presence, then the user row itself is emptied and marked closed.
        const member = await federation.closeMember(user.id, tx);
        await tx.delete(newsletterSubscriptions).where(eq(newsletterSubscriptions.userId, user.id));
        await tx.delete(ghostMemberLinks).where(eq(ghostMemberLinks.userId, user.id));
        await tx.delete(ghostMemberWritebacks).where(eq(ghostMemberWritebacks.userId, user.id));
        await tx.delete(calendarFeedTokens).where(eq(calendarFeedTokens.userId, user.id));
        await tx.delete(accountConfirmations).where(eq(accountConfirmations.userId, user.id));
        return {
          userId: user.id,
          email: user.email,
          ghostMemberId: link?.ghostMemberId ?? null,
          avatarPath: member.avatarPath,
        };
      });
      if (!closed) return { ok: false, reason: 'invalid' };
      await removeAvatarFile(closed.avatarPath);
      // Every browser, every app: the old sessions are gone, and no silent sign-in brings them back.
      await devices.signOut(closed.userId, 'all');
      await dropAccountNav(closed.userId);
      return { ok: true, userId: closed.userId, email: closed.email, ghostMemberId: closed.ghostMemberId };
    },

    async finishClosure(userId, ghostMemberId) {
      // Ghost first: erasing a member twice is harmless (404 is fine), and it may be away.
      if (ghostMemberId && ghost) await ghost.deleteMember(ghostMemberId);
      return federation.finishMemberClosure(userId);
    },

    // ---- newsletters, tickets, bookings, orders, feed, sessions ----------------------------

    listNewsletters: async (userId) => {
      await newsletterService.pullFromGhost(userId);
      return newsletterService.listNewsletters(userId);
    },
    setNewsletter: newsletterService.setNewsletter,
    writeBackToGhost: newsletterService.writeBackToGhost,
    listPendingWritebacks: newsletterService.listPendingWritebacks,
    purgeConfirmations: () => purgeConfirmations(db, now()),
    ...activity,
    ...feed,
    listDevices: devices.listDevices,
    signOut: devices.signOut,

    // ---- your data --------------------------------------------------------------------------

    async exportData(userId) {
      const [user] = await db.select().from(users).where(eq(users.id, userId));
      if (!user) return Object.freeze({});
      const [
        choices,
        ghostLink,
        writeback,
        confirmations,
        feedStatus,
        bookings,
        tickets,
        orderList,
        basket,
        social,
        signedIn,
      ] = await Promise.all([
        db
          .select({
            newsletter: newsletters.name,
            slug: newsletters.slug,
            subscribed: newsletterSubscriptions.subscribed,
            syncedAt: newsletterSubscriptions.syncedAt,
            pendingSince: newsletterSubscriptions.pendingSince,
            createdAt: newsletterSubscriptions.createdAt,
            updatedAt: newsletterSubscriptions.updatedAt,
          })
          .from(newsletterSubscriptions)
          .innerJoin(newsletters, eq(newsletters.id, newsletterSubscriptions.newsletterId))
          .where(eq(newsletterSubscriptions.userId, userId))
          .orderBy(asc(newsletters.sortOrder), asc(newsletters.id)),
        db.select().from(ghostMemberLinks).where(eq(ghostMemberLinks.userId, userId)),
        db.select().from(ghostMemberWritebacks).where(eq(ghostMemberWritebacks.userId, userId)),
        db
          .select({
            purpose: accountConfirmations.purpose,
            newEmail: accountConfirmations.newEmail,
            createdAt: accountConfirmations.createdAt,
            expiresAt: accountConfirmations.expiresAt,
            consumedAt: accountConfirmations.consumedAt,
          })
          .from(accountConfirmations)
          .where(eq(accountConfirmations.userId, userId))
          .orderBy(asc(accountConfirmations.id)),
        feed.getCalendarFeedStatus(userId),
        deps.calendar.listMemberBookings(userId),
        activity.listTickets(userId),
        deps.cart.getOrdersForUser(userId, { limit: 200 }),
        deps.cart.getCartSummary({ userId }),
        federation.exportMember(userId),
        devices.listDevices(userId, null),
      ]);
      const orders = await Promise.all(orderList.map((o) => deps.cart.getOrder(o.number)));
      return Object.freeze({
        exportedAt: now().toISOString(),
        site: config.site.name,
        profile: {
          id: user.id,
          email: user.email,
          displayName: user.displayName,
          username: user.username,
          bio: user.bio,
          avatarPath: user.avatarPath,
          manuallyApprovesFollowers: user.manuallyApprovesFollowers,
          emailVerifiedAt: user.emailVerifiedAt,
          createdAt: user.createdAt,
          updatedAt: user.updatedAt,
          lastLoginAt: user.lastLoginAt,
        },
        newsletters: {
          choices,
          ghostMember: ghostLink[0]
            ? { id: ghostLink[0].ghostMemberId, linkedAt: ghostLink[0].createdAt }
            : null,
          pendingWriteback: writeback[0]
            ? {
                requestedAt: writeback[0].requestedAt,
                attempts: writeback[0].attempts,
                lastError: writeback[0].lastError,
              }
            : null,
        },
        confirmations,
        calendarFeed: feedStatus,
        bookings: bookings.map((b) => ({
          id: b.booking.id,
          status: b.booking.status,
          seats: b.booking.seats,
          createdAt: b.booking.createdAt,
          cancelledAt: b.booking.cancelledAt,
          entry: { title: b.entry.title, startsAt: b.entry.startsAt, calendar: b.entry.calendar.name },
        })),
        tickets: tickets.map((t) => ({
          id: t.ticket.id,
          code: t.ticket.code,
          state: t.state,
          usedAt: t.ticket.usedAt,
          holderEmail: t.ticket.holderEmail,
          holderName: t.ticket.holderName,
          ticketType: t.ticket.ticketType.name,
          pricePence: t.ticket.ticketType.pricePence,
          currency: t.ticket.ticketType.currency,
          order: t.order?.number ?? null,
          entry: {
            title: t.ticket.entry.title,
            startsAt: t.ticket.entry.startsAt,
            calendar: t.ticket.entry.calendar.name,
          },
        })),
        orders: orders.filter((o) => o !== null),
        basket: basket.lines,
        social,
        signedIn,
      });
    },
  };
  return service;
}
