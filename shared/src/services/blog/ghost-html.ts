import type sanitizeHtml from 'sanitize-html';
import { htmlToText } from '../../infrastructure/html-text.ts';
import { lazyRequire } from '../../infrastructure/lazy.ts';

const sanitizer = lazyRequire<typeof sanitizeHtml>('sanitize-html');

/** Hosts whose embeds (Ghost's embed card) keep their iframe; anything else is dropped. */
export const EMBED_HOSTS = [
  'www.youtube.com',
  'www.youtube-nocookie.com',
  'player.vimeo.com',
  'open.spotify.com',
  'w.soundcloud.com',
  'embed.music.apple.com',
  'www.openstreetmap.org',
];

const postOptions = (sanitize: typeof sanitizeHtml): sanitizeHtml.IOptions => ({
  allowedTags: [
    ...sanitize.defaults.allowedTags,
    'img',
    'figure',
    'figcaption',
    'picture',
    'source',
    'video',
    'audio',
    'iframe',
    'del',
    'ins',
    'sup',
    'sub',
    'mark',
    'details',
    'summary',
    'svg',
    'path',
    'button',
  ],
  allowedAttributes: {
    '*': ['class', 'id', 'title', 'lang', 'dir', 'style', 'aria-label', 'aria-hidden', 'role', 'data-kg-*'],
    a: ['href', 'name', 'target', 'rel'],
    img: ['src', 'srcset', 'sizes', 'alt', 'width', 'height', 'loading'],
    source: ['src', 'srcset', 'type', 'media', 'sizes'],
    video: ['src', 'poster', 'controls', 'width', 'height', 'preload', 'loop', 'muted', 'playsinline'],
    audio: ['src', 'controls', 'preload', 'loop'],
    iframe: [
      'src',
      'width',
      'height',
      'allow',
      'allowfullscreen',
      'frameborder',
      'loading',
      'referrerpolicy',
    ],
    td: ['colspan', 'rowspan', 'align'],
    th: ['colspan', 'rowspan', 'align', 'scope'],
    ol: ['start', 'reversed', 'type'],
    svg: ['viewbox', 'width', 'height', 'fill', 'xmlns'],
    path: ['d', 'fill'],
    button: ['type'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https', 'data'] },
  allowedIframeHostnames: EMBED_HOSTS,
  allowIframeRelativeUrls: false,
  // Ghost's cards rely on these; nothing else may be styled inline.
  allowedStyles: {
    '*': {
      'aspect-ratio': [/^[\d./ ]+$/],
      width: [/^\d+(px|%)$/],
      height: [/^\d+(px|%)$/],
      // Ghost's editor keeps typed spacing with this on every text run.
      'white-space': [/^pre-wrap$/],
    },
  },
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: attribs.target === '_blank' ? { ...attribs, rel: 'noopener noreferrer' } : attribs,
    }),
  },
});
let options: sanitizeHtml.IOptions | undefined;

/** sanitize-html (loaded on first use) with our options for post bodies. */
function sanitizePost(html: string): string {
  const sanitize = sanitizer();
  options ??= postOptions(sanitize);
  return sanitize(html, options);
}

/**
 * Ghost's members-only marker: what comes before it is the public preview of a `members`,
 * `paid` or `tiers` post. HTML comments are otherwise dropped on ingest; this one is kept.
 */
export const MEMBERS_ONLY_MARKER = '<!--members-only-->';

/**
 * Sanitises post HTML on ingest (Ghost sync, webhooks, the editor): keeps Ghost's cards —
 * images, galleries, bookmarks, callouts, toggles, embeds from allowed hosts — and the
 * members-only marker, and drops scripts, event handlers, forms and foreign iframes. Each side
 * of the marker is sanitised on its own, so the marker can never end up inside an element.
 */
export function sanitizePostHtml(html: string | null | undefined): string | null {
  if (html === null || html === undefined) return null;
  // The editor's stand-in for the marker (ProseMirror drops comments), should it arrive as is.
  html = html.replace(/<div data-members-only(?:="")?><\/div>/g, MEMBERS_ONLY_MARKER);
  const at = html.indexOf(MEMBERS_ONLY_MARKER);
  if (at < 0) return sanitizePost(html);
  const before = sanitizePost(html.slice(0, at));
  const after = sanitizePost(html.slice(at + MEMBERS_ONLY_MARKER.length).replaceAll(MEMBERS_ONLY_MARKER, ''));
  return `${before}${MEMBERS_ONLY_MARKER}${after}`;
}

/** Who may read a post in full: anyone, signed-in members, or paying members (Ghost's `paid` and `tiers`). */
export type PostAudience = 'public' | 'members' | 'paid';

export function audienceOf(visibility: string): PostAudience {
  if (visibility === 'members') return 'members';
  if (visibility === 'paid' || visibility === 'tiers') return 'paid';
  return 'public';
}

/**
 * The HTML anyone may read: a public post's whole body (without the marker), or the preview of
 * a members-only or paid post — what comes before Ghost's marker, nothing when it has none.
 * Feeds, search, the sitemap, ActivityPub and anonymous readers get only this.
 */
export function publicHtml(html: string | null, visibility: string): string | null {
  if (html === null) return null;
  const at = html.indexOf(MEMBERS_ONLY_MARKER);
  if (audienceOf(visibility) === 'public') return at < 0 ? html : html.replace(MEMBERS_ONLY_MARKER, '');
  return at < 0 ? '' : html.slice(0, at);
}

/** The whole body, for readers allowed to see it (the marker removed). */
export function fullHtml(html: string | null): string | null {
  return html === null ? null : html.replace(MEMBERS_ONLY_MARKER, '');
}

let captionOptions: sanitizeHtml.IOptions | undefined;

/** Ghost's `feature_image_caption` is HTML (links, bold): inline markup only. */
export function sanitizeCaptionHtml(html: string | null | undefined): string | null {
  if (!html) return null;
  const sanitize = sanitizer();
  options ??= postOptions(sanitize);
  captionOptions ??= {
    allowedTags: ['a', 'b', 'strong', 'i', 'em', 'u', 's', 'del', 'code', 'span', 'br', 'sup', 'sub', 'mark'],
    allowedAttributes: { a: ['href', 'rel', 'target'], span: ['style'] },
    allowedStyles: { span: { 'white-space': [/^pre-wrap$/] } },
    allowedSchemes: ['http', 'https', 'mailto'],
    transformTags: options.transformTags as NonNullable<sanitizeHtml.IOptions['transformTags']>,
  };
  return sanitize(html, captionOptions) || null;
}

/**
 * The text anyone may read, for search, excerpts and feeds: Ghost's plaintext of a public post,
 * or the text of a members-only or paid post's public preview.
 */
export function publicPlaintext(
  html: string | null,
  plaintext: string | null,
  visibility: string,
): string | null {
  if (audienceOf(visibility) === 'public')
    return plaintext ?? (html === null ? null : htmlToText(fullHtml(html) ?? ''));
  return htmlToText(publicHtml(html, visibility) ?? '');
}
