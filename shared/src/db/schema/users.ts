/**
 * Identity: members, magic-link sign-in and the OIDC provider's storage. Owned by federation,
 * read by every app. Admin rights are not stored: admins are the e-mails listed in configuration.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  inet,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import { tz } from './columns.ts';

export const users = pgTable(
  'users',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** Always stored lower-cased so the plain unique index is the case-insensitive lookup. */
    email: text('email').notNull(),
    displayName: text('display_name'),
    /** Fediverse handle (`@username@federation-host`); null until the member picks one. */
    username: text('username'),
    /** Shown as the summary of the member's `Person` actor and on their profile page (plain text). */
    bio: text('bio'),
    /**
     * The member's avatar under the media folder (`federation/avatars/<random>.<png|jpg|webp>`),
     * already resized; its type is the extension, checked from the file's bytes at upload.
     */
    avatarPath: text('avatar_path'),
    /** Followers wait for the member's approval (the actor's `manuallyApprovesFollowers`). */
    manuallyApprovesFollowers: boolean('manually_approves_followers').notNull().default(false),
    emailVerifiedAt: timestamp('email_verified_at', tz),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
    lastLoginAt: timestamp('last_login_at', tz),
    /**
     * When the member closed their account (account app). The row stays as a tombstone with
     * every personal field emptied (the e-mail replaced by a placeholder): its id keeps orders'
     * and tickets' history consistent, its username stays taken (an actor URL is never reused)
     * and its actor answers 410. A closed member cannot sign in.
     */
    closedAt: timestamp('closed_at', tz),
  },
  (t) => [
    unique('users_email_key').on(t.email),
    unique('users_username_key').on(t.username),
    check('users_email_lower_check', sql`${t.email} = lower(${t.email})`),
    // Mastodon's handle grammar, lower-case only: WebFinger lookups are case-insensitive and a
    // handle that differs only by case would be a second account to remote servers.
    check('users_username_format_check', sql`${t.username} ~ '^[a-z0-9_]([a-z0-9_.-]{0,28}[a-z0-9_])?$'`),
  ],
);
export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

/**
 * One row per sign-in request. Only hashes are stored, so a database leak cannot be replayed.
 * Not a foreign key to users: unknown addresses get their account on first successful sign-in.
 */
export const magicLinks = pgTable(
  'magic_links',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userEmail: text('user_email').notNull(),
    tokenHash: text('token_hash').notNull(),
    /** Hash of the 6-digit code typed into the original tab. */
    codeHash: text('code_hash').notNull(),
    /** Wrong codes count here so the short code cannot be brute-forced within the 15 minutes. */
    codeAttempts: integer('code_attempts').notNull().default(0),
    returnTo: text('return_to'),
    /** The oidc-provider interaction the sign-in started from, when there was one. */
    interactionUid: text('interaction_uid'),
    requestedIp: inet('requested_ip'),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', tz).notNull(),
    consumedAt: timestamp('consumed_at', tz),
  },
  (t) => [
    unique('magic_links_token_hash_key').on(t.tokenHash),
    // Rate limits count recent requests per address and per IP.
    index('magic_links_user_email_created_at_idx').on(t.userEmail, t.createdAt),
    index('magic_links_requested_ip_created_at_idx').on(t.requestedIp, t.createdAt),
    index('magic_links_expires_at_idx').on(t.expiresAt),
    check('magic_links_user_email_lower_check', sql`${t.userEmail} = lower(${t.userEmail})`),
    check('magic_links_code_attempts_check', sql`${t.codeAttempts} >= 0`),
  ],
);
export type MagicLink = typeof magicLinks.$inferSelect;
export type NewMagicLink = typeof magicLinks.$inferInsert;

/**
 * oidc-provider's adapter storage: every model (Session, Grant, AuthorizationCode, ...) in one
 * table keyed by (model, id). `uid` is deliberately not unique: the provider reuses it across
 * an interaction's models and looks it up with findByUid.
 */
export const oidcPayloads = pgTable(
  'oidc_payloads',
  {
    id: text('id').notNull(),
    model: text('model').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    grantId: text('grant_id'),
    userCode: text('user_code'),
    uid: text('uid'),
    expiresAt: timestamp('expires_at', tz),
    consumedAt: timestamp('consumed_at', tz),
  },
  (t) => [
    primaryKey({ name: 'oidc_payloads_pkey', columns: [t.model, t.id] }),
    index('oidc_payloads_grant_id_idx').on(t.grantId),
    index('oidc_payloads_uid_idx').on(t.uid),
    index('oidc_payloads_user_code_idx').on(t.userCode),
    // The purge job deletes expired rows.
    index('oidc_payloads_expires_at_idx').on(t.expiresAt),
  ],
);
export type OidcPayload = typeof oidcPayloads.$inferSelect;
export type NewOidcPayload = typeof oidcPayloads.$inferInsert;
