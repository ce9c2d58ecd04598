/**
 * Moderation (admins): blocking a domain or an actor (the inboxes refuse their traffic, follows
 * with them are removed, their posts and comments are hidden by every query), reports (from
 * members, and `Flag`s from other servers) and hiding single posts, e.g. a fediverse comment
 * under a blog post. Also the comments themselves: replies from the fediverse to our objects.
 */
import { and, asc, desc, eq, inArray, isNotNull, isNull, like, or, sql } from 'drizzle-orm';
import { APP_NAMES } from '../../config/app-names.ts';
import type { AppConfig } from '../../config/index.ts';
import type { BlockDto, CommentDto, ModeratedCommentDto, ReportDto } from '../../contracts/dtos.ts';
import type { DatabaseLike } from '../../db/client.ts';
import { apBlocks, apObjects, apRemoteActors, apReports, users } from '../../db/schema/index.ts';
import { appHost } from '../../infrastructure/activitypub/uris.ts';
import { parseAcct } from '../../infrastructure/activitypub/webfinger-client.ts';
import { accountRefs } from './account-refs.ts';
import { httpUrlOrNull } from './actor-store.ts';
import { removeFollowsWith } from './follow-service.ts';
import { findVisibleObject, loadStatuses, notBlocked, type Viewer } from './status-queries.ts';

/** A host as blocks store it: lower-case, with its port if any, nothing else. */
const HOST_PATTERN = /^[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/;

export type AddBlockResult =
  | { ok: true; id: number; followsRemoved: number; affectedObjects: string[] }
  | { ok: false; reason: 'invalid' | 'own_domain' | 'unknown_account' };

/**
 * Normalises what an admin typed: a domain (`example.com`, a URL, `@user@example.com` for its
 * domain), or an actor (its URL, or `@user@host` of an account we know).
 */
export async function normalizeBlock(
  db: DatabaseLike,
  config: AppConfig,
  kind: 'domain' | 'actor',
  typed: string,
): Promise<
  { ok: true; value: string } | { ok: false; reason: 'invalid' | 'own_domain' | 'unknown_account' }
> {
  const value = typed.trim();
  const ours = new Set(
    APP_NAMES.flatMap((a) => [appHost(config, a).toLowerCase(), appHost(config, a).split(':')[0]]),
  );
  if (kind === 'domain') {
    let host = value.toLowerCase();
    if (/^https?:\/\//.test(host) && URL.canParse(host)) host = new URL(host).host;
    else if (host.includes('@')) host = parseAcct(host)?.host ?? '';
    host = host.replace(/\.$/, '');
    if (!HOST_PATTERN.test(host)) return { ok: false, reason: 'invalid' };
    if (ours.has(host)) return { ok: false, reason: 'own_domain' };
    return { ok: true, value: host };
  }
  if (/^https?:\/\//i.test(value)) {
    const url = httpUrlOrNull(value);
    if (!url) return { ok: false, reason: 'invalid' };
    const parsed = new URL(url);
    parsed.hash = '';
    if (ours.has(parsed.host.toLowerCase())) return { ok: false, reason: 'own_domain' };
    return { ok: true, value: parsed.href };
  }
  const acct = parseAcct(value);
  if (!acct) return { ok: false, reason: 'invalid' };
  if (ours.has(acct.host)) return { ok: false, reason: 'own_domain' };
  const [row] = await db
    .select({ uri: apRemoteActors.uri })
    .from(apRemoteActors)
    .where(
      and(
        eq(apRemoteActors.host, acct.host),
        sql`lower(${apRemoteActors.preferredUsername}) = ${acct.username}`,
      ),
    );
  return row ? { ok: true, value: row.uri } : { ok: false, reason: 'unknown_account' };
}

/** The objects (replies) whose comment lists change when `block` hides their author. */
async function repliesBy(
  db: DatabaseLike,
  block: { kind: 'domain' | 'actor'; value: string },
): Promise<string[]> {
  const author =
    block.kind === 'actor'
      ? eq(apObjects.attributedTo, block.value)
      : or(
          like(apObjects.attributedTo, `http://${block.value}/%`),
          like(apObjects.attributedTo, `https://${block.value}/%`),
          like(apObjects.attributedTo, `http://${block.value}:%`),
          like(apObjects.attributedTo, `https://${block.value}:%`),
          sql`split_part(split_part(${apObjects.attributedTo}, '://', 2), '/', 1) like ${`%.${block.value}`}`,
        );
  const rows = await db
    .selectDistinct({ inReplyTo: apObjects.inReplyTo })
    .from(apObjects)
    .where(and(author, isNotNull(apObjects.inReplyTo)));
  return rows.map((r) => r.inReplyTo as string);
}

/** Blocks a domain or an actor and removes follows with it. Blocking twice updates the reason. */
export async function addBlock(
  db: DatabaseLike,
  config: AppConfig,
  input: { kind: 'domain' | 'actor'; value: string; reason: string | null },
  adminUserId: number,
): Promise<AddBlockResult> {
  const normalized = await normalizeBlock(db, config, input.kind, input.value);
  if (!normalized.ok) return normalized;
  const block = { kind: input.kind, value: normalized.value };
  const [row] = await db
    .insert(apBlocks)
    .values({ ...block, reason: input.reason?.trim() || null, createdByUserId: adminUserId })
    .onConflictDoUpdate({
      target: [apBlocks.kind, apBlocks.value],
      set: { reason: input.reason?.trim() || null },
    })
    .returning({ id: apBlocks.id });
  const followsRemoved = await removeFollowsWith(db, block);
  return { ok: true, id: row?.id as number, followsRemoved, affectedObjects: await repliesBy(db, block) };
}

/** Lifts a block; returns the objects whose comments may show again. */
export async function removeBlock(
  db: DatabaseLike,
  id: number,
): Promise<{ ok: boolean; affectedObjects: string[] }> {
  const [row] = await db.delete(apBlocks).where(eq(apBlocks.id, id)).returning();
  if (!row) return { ok: false, affectedObjects: [] };
  return { ok: true, affectedObjects: await repliesBy(db, row) };
}

export async function listBlocks(db: DatabaseLike): Promise<BlockDto[]> {
  const rows = await db.select().from(apBlocks).orderBy(desc(apBlocks.createdAt), desc(apBlocks.id));
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    value: r.value,
    reason: r.reason,
    createdAt: r.createdAt,
  }));
}

/** A member reports a post they can see. */
export async function reportObject(
  db: DatabaseLike,
  viewer: Viewer,
  objectId: number,
  comment: string,
): Promise<{ ok: true; id: number } | { ok: false; reason: 'not_found' }> {
  const object = await findVisibleObject(db, viewer, objectId);
  if (!object) return { ok: false, reason: 'not_found' };
  const [row] = await db
    .insert(apReports)
    .values({
      reporterUserId: viewer.userId,
      targetActorUri: object.attributedTo,
      objectUris: [object.uri],
      comment: comment.trim().slice(0, 2_000),
    })
    .returning({ id: apReports.id });
  return { ok: true, id: row?.id as number };
}

/** Reports, open ones first then newest, with what was reported. */
export async function listReports(
  db: DatabaseLike,
  config: AppConfig,
  viewer: Viewer,
  status?: 'open' | 'resolved',
): Promise<ReportDto[]> {
  const rows = await db
    .select({ report: apReports, reporterEmail: users.email, reporterUsername: users.username })
    .from(apReports)
    .leftJoin(users, eq(users.id, apReports.reporterUserId))
    .where(status ? eq(apReports.status, status) : undefined)
    .orderBy(asc(apReports.status), desc(apReports.createdAt), desc(apReports.id))
    .limit(200);
  const objectUris = [...new Set(rows.flatMap((r) => r.report.objectUris))];
  // Admins see what was reported even when it is hidden or followers-only.
  const objects = objectUris.length
    ? await db
        .select()
        .from(apObjects)
        .where(and(inArray(apObjects.uri, objectUris), isNull(apObjects.deletedAt)))
    : [];
  const federation = config.apps.federation.publicUrl;
  const reporterUri = (r: (typeof rows)[number]) =>
    r.report.reporterActorUri ?? (r.reporterUsername ? `${federation}/users/${r.reporterUsername}` : null);
  const [refs, statuses] = await Promise.all([
    accountRefs(db, config, [
      ...rows.map((r) => r.report.targetActorUri),
      ...rows.flatMap((r) => {
        const uri = reporterUri(r);
        return uri ? [uri] : [];
      }),
    ]),
    loadStatuses(
      db,
      config,
      viewer,
      objects.map((o) => ({ objectId: o.id, cursor: o.seq, booster: null })),
      objects,
    ),
  ]);
  const byUri = new Map(statuses.map((s) => [s.uri, s]));
  return rows.map((row) => {
    const { report, reporterEmail } = row;
    const uri = reporterUri(row);
    return {
      id: report.id,
      reporter: uri ? (refs.get(uri) ?? null) : null,
      reporterEmail,
      target: refs.get(report.targetActorUri) as ReportDto['target'],
      statuses: report.objectUris.flatMap((u) => {
        const s = byUri.get(u);
        return s ? [s] : [];
      }),
      otherUris: report.objectUris.filter((u) => !byUri.has(u)),
      comment: report.comment,
      status: report.status,
      resolutionNote: report.resolutionNote,
      resolvedAt: report.resolvedAt,
      createdAt: report.createdAt,
      fromRemote: report.reporterActorUri !== null,
    };
  });
}

export async function resolveReport(
  db: DatabaseLike,
  id: number,
  adminUserId: number,
  note: string | null,
): Promise<boolean> {
  const rows = await db
    .update(apReports)
    .set({
      status: 'resolved',
      resolvedAt: new Date(),
      resolvedByUserId: adminUserId,
      resolutionNote: note?.trim() || null,
    })
    .where(and(eq(apReports.id, id), eq(apReports.status, 'open')))
    .returning({ id: apReports.id });
  return rows.length > 0;
}

/** Hides (or shows again) one post; returns what it replies to, whose comments changed. */
export async function setObjectHidden(
  db: DatabaseLike,
  objectId: number,
  hidden: boolean,
  adminUserId: number,
): Promise<{ ok: boolean; inReplyTo: string | null }> {
  const [row] = await db
    .update(apObjects)
    .set(
      hidden
        ? { hiddenAt: new Date(), hiddenByUserId: adminUserId }
        : { hiddenAt: null, hiddenByUserId: null },
    )
    .where(eq(apObjects.id, objectId))
    .returning({ inReplyTo: apObjects.inReplyTo });
  return { ok: !!row, inReplyTo: row?.inReplyTo ?? null };
}

const commentOrder = [asc(apObjects.publishedAt), asc(apObjects.id)];

/**
 * Fediverse replies to one of our objects (a blog article), oldest first: public or unlisted,
 * not deleted, not hidden, not from a blocked account.
 */
export async function listComments(
  db: DatabaseLike,
  config: AppConfig,
  objectUri: string,
): Promise<CommentDto[]> {
  const rows = await db
    .select()
    .from(apObjects)
    .where(
      and(
        eq(apObjects.inReplyTo, objectUri),
        isNull(apObjects.deletedAt),
        isNull(apObjects.hiddenAt),
        inArray(apObjects.visibility, ['public', 'unlisted']),
        notBlocked(apObjects.attributedTo),
      ),
    )
    .orderBy(...commentOrder)
    .limit(500);
  const refs = await accountRefs(
    db,
    config,
    rows.map((r) => r.attributedTo),
  );
  return rows.map((r) => ({
    id: r.id,
    uri: r.uri,
    url: httpUrlOrNull(r.url) ?? r.uri,
    author: refs.get(r.attributedTo) as CommentDto['author'],
    contentHtml: r.content ?? '',
    contentWarning: r.summary?.trim() ? r.summary : null,
    publishedAt: r.publishedAt,
    editedAt: r.editedAt,
  }));
}

/** The newest fediverse replies to our app actors' objects (blog articles), hidden ones too, for admins. */
export async function listRecentComments(
  db: DatabaseLike,
  config: AppConfig,
): Promise<ModeratedCommentDto[]> {
  const prefixes = APP_NAMES.filter((a) => a !== 'federation').map((a) => `${config.apps[a].publicUrl}/%`);
  const rows = await db
    .select()
    .from(apObjects)
    .where(
      and(
        isNull(apObjects.deletedAt),
        eq(apObjects.local, false),
        or(...prefixes.map((p) => like(apObjects.inReplyTo, p))),
      ),
    )
    .orderBy(desc(apObjects.id))
    .limit(100);
  const refs = await accountRefs(
    db,
    config,
    rows.map((r) => r.attributedTo),
  );
  return rows.map((r) => ({
    id: r.id,
    uri: r.uri,
    url: httpUrlOrNull(r.url) ?? r.uri,
    author: refs.get(r.attributedTo) as CommentDto['author'],
    contentHtml: r.content ?? '',
    contentWarning: r.summary?.trim() ? r.summary : null,
    publishedAt: r.publishedAt,
    editedAt: r.editedAt,
    inReplyTo: r.inReplyTo as string,
    hidden: r.hiddenAt !== null,
  }));
}
