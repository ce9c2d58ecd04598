/**
 * Links mailed to a member to confirm what only the mailbox's owner may do (a new address,
 * closing the account). The same machinery as the sign-in links (magic-link-service): 256
 * random bits, only a hash stored, single use, short-lived, and the GET of the link only shows
 * a button, since mail scanners prefetch links. Rows of their own (not `magic_links`): a
 * confirmation must never work as a sign-in link, nor a sign-in link as a confirmation.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, count, eq, gt, isNull, lt, or } from 'drizzle-orm';
import type { DatabaseLike } from '../../db/client.ts';
import {
  type AccountConfirmation,
  type AccountConfirmationPurpose,
  accountConfirmations,
} from '../../db/schema/index.ts';

/** A confirmation link works this long, once. */
export const CONFIRMATION_TTL_MINUTES = 60;
/** Links of one purpose a member may ask for per hour (each is a mail sent in our name). */
export const CONFIRMATIONS_PER_HOUR = 5;

const hash = (token: string) => createHash('sha256').update(`account-confirmation:${token}`).digest('hex');

/** A confirmation token as it appears in a link: what the routes' contracts accept. */
export const CONFIRMATION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export type IssueResult = { ok: true; token: string; expiresAt: Date } | { ok: false; reason: 'too-many' };

/** Creates a link for `purpose`, unless the member asked for too many in the last hour. */
export async function issueConfirmation(
  db: DatabaseLike,
  input: { userId: number; purpose: AccountConfirmationPurpose; newEmail: string | null; now: Date },
): Promise<IssueResult> {
  const [recent] = await db
    .select({ n: count() })
    .from(accountConfirmations)
    .where(
      and(
        eq(accountConfirmations.userId, input.userId),
        eq(accountConfirmations.purpose, input.purpose),
        gt(accountConfirmations.createdAt, new Date(input.now.getTime() - 3_600_000)),
      ),
    );
  if ((recent?.n ?? 0) >= CONFIRMATIONS_PER_HOUR) return { ok: false, reason: 'too-many' };
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(input.now.getTime() + CONFIRMATION_TTL_MINUTES * 60_000);
  await db.insert(accountConfirmations).values({
    userId: input.userId,
    purpose: input.purpose,
    newEmail: input.newEmail,
    tokenHash: hash(token),
    createdAt: input.now,
    expiresAt,
  });
  return { ok: true, token, expiresAt };
}

/** A live (unused, unexpired) link by its token, optionally locked for the caller's transaction. */
export async function findLiveConfirmation(
  db: DatabaseLike,
  token: string,
  now: Date,
  opts: { lock?: boolean } = {},
): Promise<AccountConfirmation | null> {
  if (!CONFIRMATION_TOKEN_PATTERN.test(token)) return null;
  const query = db
    .select()
    .from(accountConfirmations)
    .where(
      and(
        eq(accountConfirmations.tokenHash, hash(token)),
        isNull(accountConfirmations.consumedAt),
        gt(accountConfirmations.expiresAt, now),
      ),
    )
    .limit(1);
  const [row] = opts.lock ? await query.for('update') : await query;
  return row ?? null;
}

/** Marks a link used, and every other open link of the same member and purpose with it. */
export async function consumeConfirmations(
  db: DatabaseLike,
  row: Pick<AccountConfirmation, 'userId' | 'purpose'>,
  now: Date,
): Promise<void> {
  await db
    .update(accountConfirmations)
    .set({ consumedAt: now })
    .where(
      and(
        eq(accountConfirmations.userId, row.userId),
        eq(accountConfirmations.purpose, row.purpose),
        isNull(accountConfirmations.consumedAt),
      ),
    );
}

/** Deletes links that expired (or were used) more than a day ago; returns how many. */
export async function purgeConfirmations(db: DatabaseLike, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - 24 * 3_600_000);
  const deleted = await db
    .delete(accountConfirmations)
    .where(or(lt(accountConfirmations.expiresAt, cutoff), lt(accountConfirmations.consumedAt, cutoff)))
    .returning({ id: accountConfirmations.id });
  return deleted.length;
}
