/**
 * Members' notes: compose (content warning, visibility, reply, `@user@host` mentions resolved
 * through WebFinger and delivered to the mentioned inboxes, hashtags), edit (`Update`) and
 * delete (`Delete` with a `Tombstone`). The note and its activity are written in one
 * transaction; the EventProcessor delivers. Mentions are resolved before it (network).
 */

import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { AppConfig } from '../../config/index.ts';
import type { ComposeInputDto } from '../../contracts/dtos.ts';
import type { Database, DatabaseLike } from '../../db/client.ts';
import { type ApObject, apObjects, users } from '../../db/schema/index.ts';
import type { RemoteFetchOptions } from '../../infrastructure/activitypub/remote-fetch.ts';
import { sanitizeRemoteHtml } from '../../infrastructure/activitypub/sanitize.ts';
import { requestSigner } from '../../infrastructure/activitypub/signatures.ts';
import { AS_CONTEXT, AS_PUBLIC, actorUri, appHost } from '../../infrastructure/activitypub/uris.ts';
import { parseAcct, webfinger } from '../../infrastructure/activitypub/webfinger-client.ts';
import { htmlToText } from '../../infrastructure/html-text.ts';
import { memberProfilePath } from './account-refs.ts';
import { ensureLocalActorId, findRemoteActorByHandle, isBlocked, resolveRemoteActor } from './actor-store.ts';
import { notifyMember } from './notification-service.ts';
import { recordOutgoingActivity } from './outgoing-activities.ts';
import {
  findHashtags,
  findMentions,
  type ResolvedMention,
  renderText,
  type TypedMention,
} from './social-text.ts';
import { findVisibleObject, statusPath, type Viewer } from './status-queries.ts';

export const NOTE_MAX_CHARS = 5_000;
export const CONTENT_WARNING_MAX = 500;
/** Mentions resolved per note (each may cost a WebFinger and an actor fetch). */
const MAX_MENTIONS = 20;
const MAX_HASHTAGS = 20;

/** The JSON-LD context of our notes: `sensitive` and `Hashtag` are Mastodon's extensions. */
const NOTE_CONTEXT = [AS_CONTEXT, { sensitive: 'as:sensitive', Hashtag: 'as:Hashtag' }];

/** A member writing: their actor URI and handle (null until they pick one). */
export type Author = Viewer & { username: string | null };

export interface NoteDeps {
  db: Database;
  config: AppConfig;
  fetchOptions: RemoteFetchOptions;
}

export type ComposeResult =
  | { ok: true; objectId: number; uri: string; notified: number[]; repliedTo: string | null }
  | {
      ok: false;
      reason: 'no_username' | 'empty' | 'too_long' | 'reply_not_found' | 'not_found' | 'deleted';
    };

/** The hashtag page on the hub. */
export function tagUrl(config: AppConfig, tag: string): string {
  return `${config.apps.federation.publicUrl}/social/tags/${encodeURIComponent(tag)}`;
}

/**
 * Turns typed mentions into actors: members here by name, others through WebFinger (cached
 * actors first). Unresolvable ones stay plain text; a blocked account is never mentioned.
 */
async function resolveMentions(deps: NoteDeps, typed: TypedMention[]): Promise<Map<string, ResolvedMention>> {
  const { db, config, fetchOptions } = deps;
  const ourHost = appHost(config, 'federation').toLowerCase();
  const sign = requestSigner(config, actorUri(config, { kind: 'app', app: 'federation' }));
  const resolved = new Map<string, ResolvedMention>();
  await Promise.all(
    typed.slice(0, MAX_MENTIONS).map(async (m) => {
      try {
        if (!m.host || m.host === ourHost) {
          const [member] = await db
            .select({ username: users.username })
            .from(users)
            .where(eq(users.username, m.username));
          if (!member?.username) return;
          resolved.set(m.acct, {
            uri: actorUri(config, { kind: 'member', username: member.username }),
            url: `${config.apps.federation.publicUrl}${memberProfilePath(member.username)}`,
            username: member.username,
          });
          return;
        }
        const acct = parseAcct(`${m.username}@${m.host}`);
        if (!acct) return;
        let actor = await findRemoteActorByHandle(db, acct.username, acct.host);
        if (!actor) {
          const found = await webfinger(acct, fetchOptions);
          if (!found?.actorUri) return;
          if (await isBlocked(db, [found.actorUri])) return;
          actor = await resolveRemoteActor(db, found.actorUri, fetchOptions, sign);
        }
        if (await isBlocked(db, [actor.uri])) return;
        resolved.set(m.acct, {
          uri: actor.uri,
          url: actor.url ?? actor.uri,
          username: actor.preferredUsername ?? m.username,
        });
      } catch {
        // An unreachable server or a broken document: the mention stays plain text.
      }
    }),
  );
  return resolved;
}

/** ActivityStreams addressing for a visibility (see ACTIVITYPUB.md "Outgoing"). */
export function addressing(
  visibility: ApObject['visibility'],
  actor: string,
  named: readonly string[],
): { to: string[]; cc: string[] } {
  const followers = `${actor}/followers`;
  const others = [...new Set(named)].filter((u) => u !== actor);
  switch (visibility) {
    case 'public':
      return { to: [AS_PUBLIC], cc: [followers, ...others] };
    case 'unlisted':
      return { to: [followers], cc: [AS_PUBLIC, ...others] };
    case 'followers':
      return { to: [followers], cc: others };
    case 'direct':
      return { to: others, cc: [] };
  }
}

interface NoteParts {
  uri: string;
  objectId: number | null;
  actor: string;
  contentHtml: string;
  contentWarning: string | null;
  inReplyTo: string | null;
  mentions: ResolvedMention[];
  hashtags: string[];
  to: string[];
  cc: string[];
  published: Date;
  updated: Date | null;
}

function noteDocument(config: AppConfig, note: NoteParts): Record<string, unknown> {
  return {
    id: note.uri,
    type: 'Note',
    attributedTo: note.actor,
    content: note.contentHtml,
    summary: note.contentWarning,
    sensitive: note.contentWarning !== null,
    inReplyTo: note.inReplyTo,
    published: note.published.toISOString(),
    ...(note.updated ? { updated: note.updated.toISOString() } : {}),
    url:
      note.objectId !== null ? `${config.apps.federation.publicUrl}${statusPath(note.objectId)}` : note.uri,
    to: note.to,
    cc: note.cc,
    tag: [
      ...note.mentions.map((m) => ({ type: 'Mention', href: m.uri, name: `@${m.username}` })),
      ...note.hashtags.map((t) => ({ type: 'Hashtag', href: tagUrl(config, t), name: `#${t}` })),
    ],
    attachment: [],
  };
}

async function prepare(
  deps: NoteDeps,
  content: string,
): Promise<{ html: string; mentions: Map<string, ResolvedMention>; hashtags: string[] }> {
  const mentions = await resolveMentions(deps, findMentions(content));
  const hashtags = findHashtags(content).slice(0, MAX_HASHTAGS);
  const html = sanitizeRemoteHtml(
    renderText(content, { mentions, tagUrl: (tag) => tagUrl(deps.config, tag) }),
  );
  return { html, mentions, hashtags };
}

function checkText(content: string, contentWarning: string | null) {
  const text = content.trim();
  if (!text) return { ok: false as const, reason: 'empty' as const };
  if (text.length > NOTE_MAX_CHARS || (contentWarning?.length ?? 0) > CONTENT_WARNING_MAX) {
    return { ok: false as const, reason: 'too_long' as const };
  }
  return { ok: true as const, text, contentWarning: contentWarning?.trim() || null };
}

/** Publishes a member's note (and notifies members it mentions or answers). */
export async function publishNote(
  deps: NoteDeps,
  viewer: Author,
  input: ComposeInputDto,
): Promise<ComposeResult> {
  const { db, config } = deps;
  if (!viewer.actorUri || !viewer.username) return { ok: false, reason: 'no_username' };
  const me = viewer.actorUri;
  const ref = { kind: 'member' as const, username: viewer.username };
  const checked = checkText(input.content, input.contentWarning);
  if (!checked.ok) return checked;
  const parent = input.inReplyToId ? await findVisibleObject(db, viewer, input.inReplyToId) : null;
  if (input.inReplyToId && !parent) return { ok: false, reason: 'reply_not_found' };
  const { html, mentions, hashtags } = await prepare(deps, checked.text);
  const mentioned = [...mentions.values()];
  // A reply goes to the author answered, even when the text does not name them.
  const named = [...mentioned.map((m) => m.uri), ...(parent ? [parent.attributedTo] : [])];
  const { to, cc } = addressing(input.visibility, me, named);
  const parts: NoteParts = {
    uri: `${me}/statuses/${randomUUID()}`,
    objectId: null,
    actor: me,
    contentHtml: html,
    contentWarning: checked.contentWarning,
    inReplyTo: parent?.uri ?? null,
    mentions: mentioned,
    hashtags,
    to,
    cc,
    published: new Date(),
    updated: null,
  };
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apObjects)
      .values({
        uri: parts.uri,
        type: 'Note',
        attributedTo: me,
        local: true,
        localActorId: await ensureLocalActorId(tx, config, ref),
        content: html,
        summary: parts.contentWarning,
        sensitive: parts.contentWarning !== null,
        inReplyTo: parts.inReplyTo,
        visibility: input.visibility,
        audience: [...to, ...cc],
        hashtags,
        publishedAt: parts.published,
        raw: {},
      })
      .returning({ id: apObjects.id });
    const objectId = row?.id as number;
    const document = noteDocument(config, { ...parts, objectId });
    const { activityId } = await recordOutgoingActivity(tx, config, {
      actor: ref,
      type: 'Create',
      object: document,
      to,
      cc,
    });
    // The typed text is kept beside the document (never sent) so an edit starts from it.
    await tx
      .update(apObjects)
      .set({ raw: { ...document, source: checked.text } })
      .where(eq(apObjects.id, objectId));
    const notified: number[] = [];
    if (parent) {
      const userId = await notifyMember(tx, config, parent.attributedTo, {
        type: 'reply',
        actorUri: me,
        objectUri: parts.uri,
        activityId,
      });
      if (userId !== null) notified.push(userId);
    }
    for (const m of mentioned) {
      if (m.uri === parent?.attributedTo) continue;
      const userId = await notifyMember(tx, config, m.uri, {
        type: 'mention',
        actorUri: me,
        objectUri: parts.uri,
        activityId,
      });
      if (userId !== null) notified.push(userId);
    }
    return { ok: true as const, objectId, uri: parts.uri, notified, repliedTo: parts.inReplyTo };
  });
}

/** The member's own, undeleted note, or a reason. */
async function ownNote(db: DatabaseLike, viewer: Author, objectId: number) {
  if (!viewer.actorUri || !viewer.username) return { ok: false as const, reason: 'no_username' as const };
  const [row] = await db
    .select()
    .from(apObjects)
    .where(
      and(eq(apObjects.id, objectId), eq(apObjects.local, true), eq(apObjects.attributedTo, viewer.actorUri)),
    );
  if (!row) return { ok: false as const, reason: 'not_found' as const };
  if (row.deletedAt) return { ok: false as const, reason: 'deleted' as const };
  return {
    ok: true as const,
    row,
    me: viewer.actorUri,
    ref: { kind: 'member' as const, username: viewer.username },
  };
}

/** The member's note for the edit form. */
export async function noteForEdit(db: DatabaseLike, viewer: Author, objectId: number) {
  const own = await ownNote(db, viewer, objectId);
  if (!own.ok) return null;
  const raw = own.row.raw as { source?: string };
  return {
    id: own.row.id,
    source: raw.source ?? htmlToText(own.row.content ?? '', { paragraphBreak: '\n\n' }),
    contentWarning: own.row.summary,
  };
}

/**
 * Edits a note's text and content warning (not its visibility or what it answers) and sends
 * `Update` with `updated` to the same audience, plus anyone newly mentioned.
 */
export async function editNote(
  deps: NoteDeps,
  viewer: Author,
  objectId: number,
  input: { content: string; contentWarning: string | null },
): Promise<ComposeResult> {
  const { db, config } = deps;
  const own = await ownNote(db, viewer, objectId);
  if (!own.ok) return own;
  const checked = checkText(input.content, input.contentWarning);
  if (!checked.ok) return checked;
  const { row, me, ref } = own;
  const { html, mentions, hashtags } = await prepare(deps, checked.text);
  const mentioned = [...mentions.values()];
  const previous = row.raw as { to?: string[]; cc?: string[] };
  const named = [
    ...mentioned.map((m) => m.uri),
    ...[...(previous.to ?? []), ...(previous.cc ?? [])].filter(
      (u) => u !== AS_PUBLIC && !u.endsWith('/followers'),
    ),
  ];
  const { to, cc } = addressing(row.visibility, me, named);
  const updated = new Date();
  const document = {
    ...noteDocument(config, {
      uri: row.uri,
      objectId: row.id,
      actor: me,
      contentHtml: html,
      contentWarning: checked.contentWarning,
      inReplyTo: row.inReplyTo,
      mentions: mentioned,
      hashtags,
      to,
      cc,
      published: row.publishedAt,
      updated,
    }),
    source: checked.text,
  };
  return db.transaction(async (tx) => {
    await tx
      .update(apObjects)
      .set({
        content: html,
        summary: checked.contentWarning,
        sensitive: checked.contentWarning !== null,
        hashtags,
        audience: [...to, ...cc],
        editedAt: updated,
        raw: document,
      })
      .where(eq(apObjects.id, row.id));
    const { source: _source, ...object } = document;
    await recordOutgoingActivity(tx, config, {
      actor: ref,
      type: 'Update',
      object,
      to,
      cc,
    });
    return { ok: true as const, objectId: row.id, uri: row.uri, notified: [], repliedTo: row.inReplyTo };
  });
}

/** Deletes a note: kept as a tombstone (its URL answers 410) and `Delete(Tombstone)` goes out. */
export async function deleteNote(deps: NoteDeps, viewer: Author, objectId: number): Promise<ComposeResult> {
  const { db, config } = deps;
  const own = await ownNote(db, viewer, objectId);
  if (!own.ok) return own;
  const { row, ref } = own;
  const previous = row.raw as { to?: string[]; cc?: string[] };
  const deleted = new Date();
  return db.transaction(async (tx) => {
    await tx
      .update(apObjects)
      // The text goes; the audience stays so a late Delete can still be addressed.
      .set({
        deletedAt: deleted,
        content: null,
        summary: null,
        raw: { id: row.uri, type: 'Tombstone', to: previous.to ?? [], cc: previous.cc ?? [] },
      })
      .where(eq(apObjects.id, row.id));
    await recordOutgoingActivity(tx, config, {
      actor: ref,
      type: 'Delete',
      object: { id: row.uri, type: 'Tombstone', formerType: 'Note', deleted: deleted.toISOString() },
      to: previous.to ?? [AS_PUBLIC],
      cc: previous.cc ?? [],
    });
    return { ok: true as const, objectId: row.id, uri: row.uri, notified: [], repliedTo: row.inReplyTo };
  });
}

export type LocalNoteLookup =
  | { kind: 'note'; objectId: number; document: Record<string, unknown> }
  | { kind: 'gone'; tombstone: Record<string, unknown> }
  | null;

/**
 * One of our notes at its id, for `GET /users/<name>/statuses/<id>`: public and unlisted ones
 * (others need a signed fetch we do not serve), or its Tombstone once deleted.
 */
export async function findLocalNote(db: DatabaseLike, uri: string): Promise<LocalNoteLookup> {
  const [row] = await db
    .select()
    .from(apObjects)
    .where(and(eq(apObjects.uri, uri), eq(apObjects.local, true)));
  if (!row) return null;
  if (row.deletedAt) {
    return {
      kind: 'gone',
      tombstone: {
        '@context': AS_CONTEXT,
        id: row.uri,
        type: 'Tombstone',
        formerType: 'Note',
        deleted: row.deletedAt.toISOString(),
      },
    };
  }
  if (row.visibility !== 'public' && row.visibility !== 'unlisted') return null;
  const { source: _source, ...document } = row.raw as Record<string, unknown>;
  return { kind: 'note', objectId: row.id, document: { '@context': NOTE_CONTEXT, ...document } };
}
