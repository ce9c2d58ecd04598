/**
 * Members' text as the fediverse sees it: handle rules, and plain text (notes, bios) turned
 * into the small HTML Mastodon accepts (p, br, a, span) with links, `@user@host` mentions and
 * `#hashtags`. Everything a member typed is escaped; only the markup built here is HTML.
 */

import { APP_NAMES } from '../../config/app-names.ts';
import { sanitizeRemoteHtml } from '../../infrastructure/activitypub/sanitize.ts';
import { escapeHtml } from '../../infrastructure/html-text.ts';

/** 1–30 of a-z, 0-9 and `_` (stored lower-case: handles are case-insensitive on the fediverse). */
export const USERNAME_PATTERN = /^[a-z0-9_]{1,30}$/;

/**
 * Handles nobody may take: the six apps' actors, and names people read as the site itself or
 * that collide with our own paths.
 */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  ...APP_NAMES,
  'admin',
  'administrator',
  'root',
  'system',
  'support',
  'help',
  'info',
  'about',
  'abuse',
  'security',
  'postmaster',
  'hostmaster',
  'webmaster',
  'mail',
  'noreply',
  'no_reply',
  'moderator',
  'moderation',
  'mod',
  'staff',
  'team',
  'official',
  'rose_ash',
  'roseash',
  'api',
  'ap',
  'actor',
  'inbox',
  'outbox',
  'users',
  'user',
  'social',
  'settings',
  'static',
  'media',
  'internal',
  'auth',
  'oidc',
  'login',
  'logout',
  'signup',
  'register',
  'nodeinfo',
  'null',
  'undefined',
  'anonymous',
  'everyone',
  'all',
  'public',
]);

export type UsernameCheck = { ok: true; username: string } | { ok: false; reason: 'invalid' | 'reserved' };

/** Checks a wanted handle (case is folded) against the format and the reserved names. */
export function checkUsername(wanted: string): UsernameCheck {
  const username = wanted.trim().replace(/^@/, '').toLowerCase();
  if (!USERNAME_PATTERN.test(username)) return { ok: false, reason: 'invalid' };
  if (RESERVED_USERNAMES.has(username)) return { ok: false, reason: 'reserved' };
  return { ok: true, username };
}

/** A mention as typed: `@user` (a member here) or `@user@host`. */
export interface TypedMention {
  /** As typed, without the leading `@`, lower-cased. */
  acct: string;
  username: string;
  /** Null for a local `@user`. */
  host: string | null;
}

const URL_SOURCE = String.raw`https?:\/\/[^\s<>"']+[^\s<>"'.,:;!?)\]]`;
const MENTION_SOURCE = String.raw`(?<![\w@/.])@([a-zA-Z0-9_]{1,64})(?:@([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*(?::\d{1,5})?))?`;
const HASHTAG_SOURCE = String.raw`(?<![\w&#/])#([\p{L}\p{N}_]{1,64})`;
const TOKENS = new RegExp(`(${URL_SOURCE})|${MENTION_SOURCE}|${HASHTAG_SOURCE}`, 'gu');

/** The `@user@host` and `@user` mentions in a text, each once, in order. */
export function findMentions(text: string): TypedMention[] {
  const seen = new Map<string, TypedMention>();
  for (const m of text.matchAll(TOKENS)) {
    if (m[1] || !m[2]) continue;
    const username = m[2].toLowerCase();
    const host = m[3] ? m[3].toLowerCase() : null;
    const acct = host ? `${username}@${host}` : username;
    if (!seen.has(acct)) seen.set(acct, { acct, username, host });
  }
  return [...seen.values()];
}

/** The hashtags of a text, lower-cased, without `#`, each once. */
export function findHashtags(text: string): string[] {
  const tags = new Set<string>();
  for (const m of text.matchAll(TOKENS)) {
    if (m[4]) tags.add(m[4].toLowerCase());
  }
  return [...tags];
}

/** How a resolved mention is linked: the actor's profile URL and the handle shown. */
export interface ResolvedMention {
  uri: string;
  url: string;
  username: string;
}

export interface RenderOptions {
  /** Resolved mentions by `acct` (as `findMentions` gives it); others stay plain text. */
  mentions?: ReadonlyMap<string, ResolvedMention>;
  /** The page listing a hashtag; hashtags are plain text without it. */
  tagUrl?: (tag: string) => string;
}

/**
 * Plain text → Mastodon-style HTML: blank lines separate paragraphs, single newlines become
 * `<br>`, URLs become links, resolved mentions `h-card` links and hashtags tag links.
 */
export function renderText(text: string, options: RenderOptions = {}): string {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split(/\n{2,}/)
    .filter((p) => p.trim() !== '');
  return paragraphs
    .map(
      (p) =>
        `<p>${p
          .split('\n')
          .map((line) => renderLine(line, options))
          .join('<br>')}</p>`,
    )
    .join('');
}

function renderLine(line: string, options: RenderOptions): string {
  let html = '';
  let last = 0;
  for (const m of line.matchAll(TOKENS)) {
    const index = m.index ?? 0;
    html += escapeHtml(line.slice(last, index));
    last = index + m[0].length;
    if (m[1]) {
      const href = escapeHtml(m[1]);
      const shown = escapeHtml(m[1].replace(/^https?:\/\//, ''));
      html += `<a href="${href}" rel="nofollow noopener noreferrer" target="_blank">${shown}</a>`;
    } else if (m[2]) {
      const acct = m[3] ? `${m[2]}@${m[3]}`.toLowerCase() : m[2].toLowerCase();
      const resolved = options.mentions?.get(acct);
      html += resolved
        ? `<span class="h-card"><a href="${escapeHtml(resolved.url)}" class="u-url mention">@<span>${escapeHtml(resolved.username)}</span></a></span>`
        : escapeHtml(m[0]);
    } else if (m[4]) {
      html += options.tagUrl
        ? `<a href="${escapeHtml(options.tagUrl(m[4].toLowerCase()))}" class="mention hashtag" rel="tag">#<span>${escapeHtml(m[4])}</span></a>`
        : escapeHtml(m[0]);
    }
  }
  return html + escapeHtml(line.slice(last));
}

/** A bio as the actor's `summary`: rendered like a note (links), then through the allowlist. */
export function bioToHtml(bio: string | null): string {
  return bio ? sanitizeRemoteHtml(renderText(bio)) : '';
}

/** One line of display text: control characters and surrounding space removed. */
export function cleanDisplayText(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
}
