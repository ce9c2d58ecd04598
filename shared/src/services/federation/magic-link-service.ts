import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { DatabaseLike } from '../../db/client.ts';
import { type MagicLink, magicLinks } from '../../db/schema/users.ts';
import { escapeHtml } from '../../infrastructure/html-text.ts';

/** A stored sign-in link (what the sign-in routes read back). */
export type MagicLinkRow = MagicLink;

import type { MailMessage } from '../../infrastructure/mail.ts';
import { normalizeEmail } from './user-service.ts';

/** A link (and its code) works this long, once. */
export const MAGIC_LINK_TTL_MINUTES = 15;
/** Wrong codes allowed per link before the code stops working (the link itself still works). */
export const MAX_CODE_ATTEMPTS = 5;

/** Tokens are 256 random bits: a plain hash is enough to keep a database leak from using them. */
const hash = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * A 6-digit code has a million values: a plain hash of one is reversed in milliseconds, so
 * codes are stored as an HMAC under a server secret (`codeKey`), useless without it.
 */
const codeHash = (code: string, key: string) =>
  createHmac('sha256', key).update(`magic-link-code:${code}`).digest('hex');

export interface MagicLinkRequest {
  email: string;
  /** Where to continue after sign-in when the original interaction is not in this browser. */
  returnTo: string | null;
  interactionUid: string | null;
  ip: string | null;
  /** The secret codes are keyed with (see codeHash). */
  codeKey: string;
}

export interface IssuedMagicLink {
  /** Row id: the "check your mail" page names it so the code form knows which request it answers. */
  id: number;
  token: string;
  code: string;
  expiresAt: Date;
}

/** Creates a single-use link and a 6-digit code; only their hashes are stored. */
export async function issueMagicLink(db: DatabaseLike, request: MagicLinkRequest): Promise<IssuedMagicLink> {
  const token = randomBytes(32).toString('base64url');
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(Date.now() + MAGIC_LINK_TTL_MINUTES * 60_000);
  const [row] = await db
    .insert(magicLinks)
    .values({
      userEmail: normalizeEmail(request.email),
      tokenHash: hash(token),
      codeHash: codeHash(code, request.codeKey),
      returnTo: request.returnTo,
      interactionUid: request.interactionUid,
      requestedIp: request.ip,
      expiresAt,
    })
    .returning({ id: magicLinks.id });
  if (!row) throw new Error('magic link insert returned no row');
  return { id: row.id, token, code, expiresAt };
}

/** The sign-in mail: the link for any device, the code for the tab that asked. */
export function magicLinkMail(options: {
  to: string;
  siteName: string;
  link: string;
  code: string;
}): MailMessage {
  const { to, siteName, link, code } = options;
  return {
    to,
    subject: `Your ${siteName} sign-in link`,
    text:
      `Sign in to ${siteName} by opening this link (it works once, for ${MAGIC_LINK_TTL_MINUTES} minutes):\n\n` +
      `${link}\n\nOr type this code in the page that sent it: ${code}\n\n` +
      `If you did not ask to sign in, ignore this mail.\n`,
    html:
      `<p>Sign in to ${escapeHtml(siteName)} by opening this link (it works once, for ${MAGIC_LINK_TTL_MINUTES} minutes):</p>` +
      `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>` +
      `<p>Or type this code in the page that sent it: <strong>${code}</strong></p>` +
      `<p>If you did not ask to sign in, ignore this mail.</p>`,
  };
}

/** A live (unused, unexpired) link by its token, without using it (GET shows a Continue button). */
export async function findLiveMagicLink(db: DatabaseLike, token: string): Promise<MagicLink | null> {
  const [row] = await db
    .select()
    .from(magicLinks)
    .where(
      and(
        eq(magicLinks.tokenHash, hash(token)),
        isNull(magicLinks.consumedAt),
        gt(magicLinks.expiresAt, new Date()),
      ),
    )
    .limit(1);
  return row ?? null;
}

/** Uses the link: exactly one caller ever gets the row back. */
export async function consumeMagicLink(db: DatabaseLike, token: string): Promise<MagicLink | null> {
  const [row] = await db
    .update(magicLinks)
    .set({ consumedAt: new Date() })
    .where(
      and(
        eq(magicLinks.tokenHash, hash(token)),
        isNull(magicLinks.consumedAt),
        gt(magicLinks.expiresAt, new Date()),
      ),
    )
    .returning();
  return row ?? null;
}

export type CodeResult =
  | { ok: true; link: MagicLink }
  | { ok: false; reason: 'invalid' | 'expired' | 'too-many-attempts' };

/**
 * Uses the link through its 6-digit code. Wrong codes are counted, so the short code cannot
 * be guessed within the link's lifetime.
 */
export async function consumeMagicLinkByCode(
  db: DatabaseLike,
  id: number,
  code: string,
  codeKey: string,
): Promise<CodeResult> {
  const [row] = await db
    .select()
    .from(magicLinks)
    .where(and(eq(magicLinks.id, id), isNull(magicLinks.consumedAt), gt(magicLinks.expiresAt, new Date())))
    .limit(1);
  if (!row) return { ok: false, reason: 'expired' };
  if (row.codeAttempts >= MAX_CODE_ATTEMPTS) return { ok: false, reason: 'too-many-attempts' };
  const given = Buffer.from(codeHash(code.trim(), codeKey));
  if (given.length !== row.codeHash.length || !timingSafeEqual(given, Buffer.from(row.codeHash))) {
    await db
      .update(magicLinks)
      .set({ codeAttempts: sql`${magicLinks.codeAttempts} + 1` })
      .where(eq(magicLinks.id, id));
    return { ok: false, reason: 'invalid' };
  }
  const [used] = await db
    .update(magicLinks)
    .set({ consumedAt: new Date() })
    .where(and(eq(magicLinks.id, id), isNull(magicLinks.consumedAt)))
    .returning();
  return used ? { ok: true, link: used } : { ok: false, reason: 'expired' };
}

/** Deletes links that expired more than a day ago (kept a while for support questions). */
export async function purgeExpiredMagicLinks(db: DatabaseLike, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - 24 * 3600_000);
  const deleted = await db
    .delete(magicLinks)
    .where(lt(magicLinks.expiresAt, cutoff))
    .returning({ id: magicLinks.id });
  return deleted.length;
}
