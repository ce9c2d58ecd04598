import sanitizeHtml from 'sanitize-html';

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

const options: sanitizeHtml.IOptions = {
  allowedTags: [
    ...sanitizeHtml.defaults.allowedTags,
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
  allowedStyles: { '*': { 'aspect-ratio': [/^[\d./ ]+$/], width: [/^\d+(px|%)$/], height: [/^\d+(px|%)$/] } },
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: attribs.target === '_blank' ? { ...attribs, rel: 'noopener noreferrer' } : attribs,
    }),
  },
};

/**
 * Sanitises post HTML on ingest (Ghost sync, webhooks, the editor): keeps Ghost's cards —
 * images, galleries, bookmarks, callouts, toggles, embeds from allowed hosts — and drops
 * scripts, event handlers, forms and foreign iframes.
 */
export function sanitizePostHtml(html: string | null | undefined): string | null {
  if (html === null || html === undefined) return null;
  return sanitizeHtml(html, options);
}
