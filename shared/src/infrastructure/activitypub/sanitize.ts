import sanitizeHtml from 'sanitize-html';

/**
 * The allowlist for remote HTML (notes, articles, bios): the tags Mastodon itself keeps. No
 * scripts, styles, event handlers or inline images; links get safe `rel` values.
 */
const options: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'a',
    'span',
    'em',
    'strong',
    'b',
    'i',
    'u',
    'del',
    'ul',
    'ol',
    'li',
    'blockquote',
    'pre',
    'code',
  ],
  allowedAttributes: {
    a: ['href', 'rel', 'class', 'title'],
    span: ['class'],
    ol: ['start', 'reversed'],
    li: ['value'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener noreferrer' }, true),
  },
  allowedClasses: { a: ['mention', 'hashtag', 'u-url'], span: ['h-card', 'invisible', 'ellipsis'] },
  // Deeply nested markup (a hostile server's thousands of <em>) is flattened past this depth.
  nestingLimit: 20,
};

/** Returns `html` with everything outside the allowlist removed. */
export function sanitizeRemoteHtml(html: string): string {
  return sanitizeHtml(html, options);
}
