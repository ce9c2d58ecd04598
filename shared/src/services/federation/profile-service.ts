/**
 * Members' fediverse identity: picking the one-time username, the display name, bio, avatar
 * and follower approval shown on their `Person` actor. Profile changes are announced to
 * followers with `Update(Person)`.
 */
import { eq } from 'drizzle-orm';
import type { AppConfig } from '../../config/index.ts';
import type { MemberDto } from '../../contracts/dtos.ts';
import type { DatabaseLike } from '../../db/client.ts';
import { type User, users } from '../../db/schema/index.ts';
import { actorDocument } from '../../infrastructure/activitypub/actors.ts';
import { loadActorKeys } from '../../infrastructure/activitypub/keys.ts';
import { AS_PUBLIC, actorUri, appHost } from '../../infrastructure/activitypub/uris.ts';
import { loadLocalActor } from './actor-store.ts';
import { avatarUrl } from './avatars.ts';
import { recordOutgoingActivity } from './outgoing-activities.ts';
import { checkUsername, cleanDisplayText } from './social-text.ts';
import type { Viewer } from './status-queries.ts';

export const DISPLAY_NAME_MAX = 100;
export const BIO_MAX = 1_000;

export function memberDto(config: AppConfig, user: User): MemberDto {
  const username = user.username;
  return {
    userId: user.id,
    username,
    displayName: user.displayName,
    bio: user.bio,
    avatarUrl: avatarUrl(config, user.avatarPath),
    handle: username ? `@${username}@${appHost(config, 'federation')}` : null,
    actorUri: username ? actorUri(config, { kind: 'member', username }) : null,
    manuallyApprovesFollowers: user.manuallyApprovesFollowers,
  };
}

export async function findUser(db: DatabaseLike, userId: number): Promise<User | null> {
  const [row] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  return row ?? null;
}

/** The member as a viewer of posts (their actor URI once they have a username), or null. */
export async function viewerOf(
  db: DatabaseLike,
  config: AppConfig,
  userId: number | null,
): Promise<(Viewer & { username: string | null }) | null> {
  if (userId === null) return null;
  const user = await findUser(db, userId);
  if (!user) return null;
  return {
    userId,
    username: user.username,
    actorUri: user.username ? actorUri(config, { kind: 'member', username: user.username }) : null,
  };
}

export type ChooseUsernameResult =
  | { ok: true; username: string }
  | { ok: false; reason: 'invalid' | 'reserved' | 'taken' | 'already_chosen' | 'not_found' };

/**
 * Gives the member their handle, once: an actor's id is its URL, which remote servers keep, so
 * it never changes afterwards. Unique case-insensitively (handles are stored lower-case).
 */
export async function chooseUsername(
  db: DatabaseLike,
  userId: number,
  wanted: string,
): Promise<ChooseUsernameResult> {
  const check = checkUsername(wanted);
  if (!check.ok) return check;
  const user = await findUser(db, userId);
  if (!user) return { ok: false, reason: 'not_found' };
  if (user.username) return { ok: false, reason: 'already_chosen' };
  const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.username, check.username));
  if (taken) return { ok: false, reason: 'taken' };
  try {
    await db.update(users).set({ username: check.username }).where(eq(users.id, userId));
  } catch (err) {
    // Two members racing for one name: the unique key decides.
    if ((err as { code?: string; cause?: { code?: string } }).code === '23505')
      return { ok: false, reason: 'taken' };
    if ((err as { cause?: { code?: string } }).cause?.code === '23505') return { ok: false, reason: 'taken' };
    throw err;
  }
  return { ok: true, username: check.username };
}

export interface ProfileInput {
  displayName: string | null;
  bio: string | null;
  manuallyApprovesFollowers: boolean;
}

/** Saves the profile (plain text; rendered and sanitised where shown) and tells followers. */
export async function updateProfile(
  db: DatabaseLike,
  config: AppConfig,
  userId: number,
  input: ProfileInput,
): Promise<void> {
  const displayName = input.displayName ? cleanDisplayText(input.displayName).slice(0, DISPLAY_NAME_MAX) : '';
  const bio = input.bio ? input.bio.replace(/\r\n?/g, '\n').trim().slice(0, BIO_MAX) : '';
  await db
    .update(users)
    .set({
      displayName: displayName || null,
      bio: bio || null,
      manuallyApprovesFollowers: input.manuallyApprovesFollowers,
    })
    .where(eq(users.id, userId));
  await announceProfile(db, config, userId);
}

/** Records the new avatar (already resized and stored) and tells followers; returns the old path. */
export async function setAvatar(
  db: DatabaseLike,
  config: AppConfig,
  userId: number,
  avatarPath: string | null,
): Promise<{ previous: string | null }> {
  const user = await findUser(db, userId);
  if (!user) return { previous: null };
  await db.update(users).set({ avatarPath }).where(eq(users.id, userId));
  await announceProfile(db, config, userId);
  return { previous: user.avatarPath };
}

/** `Update(Person)` with the whole actor document, to the member's followers. */
async function announceProfile(db: DatabaseLike, config: AppConfig, userId: number): Promise<void> {
  const user = await findUser(db, userId);
  if (!user?.username) return;
  const ref = { kind: 'member' as const, username: user.username };
  const profile = await loadLocalActor(db, config, ref);
  if (!profile) return;
  const { publicKeyPem } = await loadActorKeys(config);
  const { '@context': _context, ...person } = actorDocument(config, profile, publicKeyPem);
  await recordOutgoingActivity(db, config, {
    actor: ref,
    type: 'Update',
    object: { ...person, updated: new Date().toISOString() },
    to: [AS_PUBLIC],
    cc: [`${profile.uri}/followers`],
  });
}
