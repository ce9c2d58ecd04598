/**
 * Account: a member's newsletter choices and the link to their Ghost member record, the
 * member's Ghost write-backs still to deliver, confirmations mailed to them (an e-mail change,
 * closing the account) and their private calendar feed. Ghost is the source of truth for who
 * receives e-mails; these rows let the page render without a round-trip and remember changes
 * that could not be written back yet.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import { newsletters } from './blog.ts';
import { oneOf, tz } from './columns.ts';
import { users } from './users.ts';

export const newsletterSubscriptions = pgTable(
  'newsletter_subscriptions',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    newsletterId: integer('newsletter_id')
      .notNull()
      .references(() => newsletters.id, { onDelete: 'cascade' }),
    subscribed: boolean('subscribed').notNull(),
    /** When this choice last reached Ghost (or came from it, by webhook or pull). */
    syncedAt: timestamp('synced_at', tz),
    /**
     * Set when the member changed this choice here and Ghost has not taken it yet (shown as
     * "pending"); cleared by the write-back that delivers it. Null for local-only newsletters.
     */
    pendingSince: timestamp('pending_since', tz),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    primaryKey({ name: 'newsletter_subscriptions_pkey', columns: [t.userId, t.newsletterId] }),
    index('newsletter_subscriptions_newsletter_id_idx').on(t.newsletterId),
  ],
);
export type NewsletterSubscription = typeof newsletterSubscriptions.$inferSelect;
export type NewNewsletterSubscription = typeof newsletterSubscriptions.$inferInsert;

/** The Ghost member a user corresponds to (found or created by e-mail on first use). */
export const ghostMemberLinks = pgTable(
  'ghost_member_links',
  {
    userId: integer('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    ghostMemberId: text('ghost_member_id').notNull(),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [unique('ghost_member_links_ghost_member_id_key').on(t.ghostMemberId)],
);
export type GhostMemberLink = typeof ghostMemberLinks.$inferSelect;
export type NewGhostMemberLink = typeof ghostMemberLinks.$inferInsert;

/**
 * A member whose Ghost record must be brought in line with ours (their newsletter choices,
 * their new e-mail address): one row per member while a write-back is due. The job runner
 * retries it until Ghost takes it; `requested_at` tells a write-back that started before a
 * newer change not to clear it.
 */
export const ghostMemberWritebacks = pgTable(
  'ghost_member_writebacks',
  {
    userId: integer('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    requestedAt: timestamp('requested_at', tz).notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    lastAttemptAt: timestamp('last_attempt_at', tz),
    /** Why the last attempt failed (Ghost's message, or the network error). */
    lastError: text('last_error'),
  },
  (t) => [
    index('ghost_member_writebacks_requested_at_idx').on(t.requestedAt),
    check('ghost_member_writebacks_attempts_check', sql`${t.attempts} >= 0`),
  ],
);
export type GhostMemberWriteback = typeof ghostMemberWritebacks.$inferSelect;

export const accountConfirmationPurposes = ['email-change', 'close-account'] as const;
export type AccountConfirmationPurpose = (typeof accountConfirmationPurposes)[number];

/**
 * Links mailed to a member to confirm something only the mailbox's owner may do: a new e-mail
 * address (mailed to the new address) or closing the account. As with sign-in links, only the
 * token's hash is stored, a link works once and for a short while, and GET only shows a button
 * (mail scanners prefetch links).
 */
export const accountConfirmations = pgTable(
  'account_confirmations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: accountConfirmationPurposes }).notNull(),
    /** The address being confirmed (e-mail change only), lower-cased. */
    newEmail: text('new_email'),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', tz).notNull(),
    consumedAt: timestamp('consumed_at', tz),
  },
  (t) => [
    unique('account_confirmations_token_hash_key').on(t.tokenHash),
    // Requests per member (rate limit) and the member's export.
    index('account_confirmations_user_id_created_at_idx').on(t.userId, t.createdAt),
    check('account_confirmations_purpose_check', oneOf(t.purpose, accountConfirmationPurposes)),
    check(
      'account_confirmations_new_email_check',
      sql`(${t.purpose} = 'email-change') = (${t.newEmail} is not null) and ${t.newEmail} = lower(${t.newEmail})`,
    ),
  ],
);
export type AccountConfirmation = typeof accountConfirmations.$inferSelect;

/**
 * A member's private calendar feed (their bookings and tickets as iCal): the URL carries a
 * secret token, shown once; only its hash is kept. Revoking deletes the row (the old URL then
 * answers 404); regenerating replaces the hash.
 */
export const calendarFeedTokens = pgTable(
  'calendar_feed_tokens',
  {
    userId: integer('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    /** When a calendar app last fetched the feed (shown to the member). */
    lastUsedAt: timestamp('last_used_at', tz),
  },
  (t) => [unique('calendar_feed_tokens_token_hash_key').on(t.tokenHash)],
);
export type CalendarFeedToken = typeof calendarFeedTokens.$inferSelect;
