import type sanitizeHtml from 'sanitize-html';
import { lazyRequire } from '../lazy.ts';

const sanitizer = lazyRequire<typeof sanitizeHtml>('sanitize-html');

/**
 * The allowlist for remote HTML (notes, articles, bios): the tags Mastodon itself keeps. No
 * scripts, styles, event handlers or inline images; links get safe `rel` values.
 */
const remoteOptions = (sanitize: typeof sanitizeHtml): sanitizeHtml.IOptions => ({
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
    a: sanitize.simpleTransform('a', { rel: 'nofollow noopener noreferrer' }, true),
  },
  allowedClasses: { a: ['mention', 'hashtag', 'u-url'], span: ['h-card', 'invisible', 'ellipsis'] },
  // Deeply nested markup (a hostile server's thousands of <em>) is flattened past this depth.
  nestingLimit: 20,
});
let options: sanitizeHtml.IOptions | undefined;

/** Returns `html` with everything outside the allowlist removed. */
export function sanitizeRemoteHtml(html: string): string {
  const sanitize = sanitizer();
  options ??= remoteOptions(sanitize);
  return sanitize(html, options);
}
