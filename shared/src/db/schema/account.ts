/**
 * Account: a member's newsletter choices and the link to their Ghost member record. Ghost is
 * the source of truth for who receives e-mails; these rows let the page render without a
 * round-trip and remember changes that could not be written back yet.
 */
import { boolean, index, integer, pgTable, primaryKey, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { newsletters } from './blog.ts';
import { tz } from './columns.ts';
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
    /** When this choice last reached Ghost; older than `updated_at` means a write-back is due. */
    syncedAt: timestamp('synced_at', tz),
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
