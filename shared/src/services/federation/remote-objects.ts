/**
 * Remote posts as we store them (`ap_objects`): sanitised HTML (the allowlist of sanitize.ts),
 * bounded sizes, http(s)-only attachment URLs, the audience (who may see it) and hashtags.
 * Used for posts received in an inbox, fetched for a boost, and read from an outbox preview.
 */
import type { ApAttachment, ApVisibility, NewApObject } from '../../db/schema/index.ts';
import { sanitizeRemoteHtml } from '../../infrastructure/activitypub/sanitize.ts';
import { AS_PUBLIC } from '../../infrastructure/activitypub/uris.ts';
import { firstHttpUrl, httpUrlOrNull } from './actor-store.ts';

/** Types kept for timelines, threads and comments. */
export const STORED_OBJECT_TYPES = new Set(['Note', 'Article', 'Question', 'Page', 'Event']);

/** Remote HTML longer than this is cut before sanitising (the sanitiser closes what was cut). */
export const MAX_REMOTE_HTML = 100_000;
const MAX_ATTACHMENTS = 8;

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function obj(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
function idOf(v: unknown): string | null {
  return str(v) ?? str(obj(v)?.['id']);
}
function list(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

/** Public, unlisted, followers-only or mentioned-only, from `to`/`cc`. */
export function visibilityOf(object: Record<string, unknown>, actor: string): ApVisibility {
  const to = list(object['to']).map(idOf);
  const cc = list(object['cc']).map(idOf);
  if (to.includes(AS_PUBLIC) || to.includes('as:Public') || to.includes('Public')) return 'public';
  if (cc.includes(AS_PUBLIC) || cc.includes('as:Public') || cc.includes('Public')) return 'unlisted';
  if ([...to, ...cc].some((a) => a === `${actor}/followers` || (a?.endsWith('/followers') ?? false))) {
    return 'followers';
  }
  return 'direct';
}

/** Remote HTML made safe to show: cut to size, then through the allowlist. */
export function sanitizeRemoteContent(html: string): string {
  return sanitizeRemoteHtml(html.length > MAX_REMOTE_HTML ? html.slice(0, MAX_REMOTE_HTML) : html);
}

/**
 * The `ap_objects` values of a remote post by `actor`, or null when it is not a kind we keep.
 * The caller has checked that the actor may speak for the object (same origin, attributedTo).
 */
export function objectValues(
  object: Record<string, unknown>,
  actor: string,
): Omit<NewApObject, 'uri'> | null {
  const type = str(object['type']);
  if (!type || !STORED_OBJECT_TYPES.has(type)) return null;
  const attachments: ApAttachment[] = list(object['attachment'])
    .map(obj)
    .flatMap((a) => {
      const url = a ? firstHttpUrl(a['url']) : null;
      if (!a || !url) return [];
      const mediaType = str(a['mediaType'])?.slice(0, 100);
      const name = str(a['name'])?.slice(0, 1_500);
      return [
        {
          type: str(a['type'])?.slice(0, 50) ?? 'Document',
          url,
          ...(mediaType ? { mediaType } : {}),
          ...(name ? { name } : {}),
        },
      ];
    })
    .slice(0, MAX_ATTACHMENTS);
  const published = Date.parse(str(object['published']) ?? '');
  const updated = Date.parse(str(object['updated']) ?? '');
  const content = str(object['content']);
  const audience = [...list(object['to']), ...list(object['cc'])]
    .map(idOf)
    .filter((u): u is string => !!u && u.length <= 2_000)
    .slice(0, 500);
  const hashtags = list(object['tag'])
    .map(obj)
    .flatMap((t) => {
      const name = t && str(t['type']) === 'Hashtag' ? str(t['name']) : null;
      const tag = name?.replace(/^#/, '').toLowerCase();
      return tag && /^[\p{L}\p{N}_]{1,64}$/u.test(tag) ? [tag] : [];
    })
    .slice(0, 50);
  return {
    type,
    attributedTo: actor,
    name: str(object['name'])?.slice(0, 500) ?? null,
    content: content === null ? null : sanitizeRemoteContent(content),
    summary: str(object['summary'])?.slice(0, 2_000) ?? null,
    sensitive: object['sensitive'] === true,
    url: firstHttpUrl(object['url']) ?? httpUrlOrNull(object['id']),
    inReplyTo: idOf(object['inReplyTo']),
    visibility: visibilityOf(object, actor),
    attachments,
    audience,
    hashtags: [...new Set(hashtags)],
    publishedAt: Number.isNaN(published) ? new Date() : new Date(published),
    editedAt: Number.isNaN(updated) ? null : new Date(updated),
    raw: object,
  };
}
