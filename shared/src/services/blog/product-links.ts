import type * as Htmlparser2 from 'htmlparser2';
import { lazyRequire } from '../../infrastructure/lazy.ts';

/** The HTML tokenizer loads with the first post that is cut at its product links. */
const htmlparser2 = lazyRequire<typeof Htmlparser2>('htmlparser2');

/** A run of post HTML and the market products linked from its last top-level block. */
export interface ProductLinkSegment {
  html: string;
  /** Slugs of the products linked in the block that ends this segment (empty: no cards here). */
  slugs: string[];
}

/** At most this many cards follow one block (the `product-cards` fragment's limit). */
const MAX_SLUGS_PER_BLOCK = 20;
const PRODUCT_PATH = /^\/p\/([a-z0-9][a-z0-9-]{0,190})\/?$/;

/** The product slug a link points at, when it is `<market public URL>/p/<slug>/`; else null. */
export function productSlugOf(href: string, marketUrl: string): string | null {
  // Absolute links only: a relative one points into the blog, never the market.
  if (!URL.canParse(href)) return null;
  const url = new URL(href);
  const market = new URL(marketUrl);
  if (url.origin !== market.origin) return null;
  const base = market.pathname.replace(/\/+$/, '');
  if (base && !url.pathname.startsWith(`${base}/`)) return null;
  return PRODUCT_PATH.exec(url.pathname.slice(base.length))?.[1] ?? null;
}

/**
 * Cuts a post's HTML after each top-level block (a paragraph, a list, a Ghost bookmark card…)
 * that links to a market product, so the market's live `product-cards` can follow it. Joining
 * the segments' `html` gives back the input byte for byte.
 */
export function splitAtProductLinks(html: string, marketUrl: string): readonly ProductLinkSegment[] {
  // Every view of a post asks again with the same HTML: parse each version once. Keyed by the
  // HTML itself (no key built from it per view); the market's URL is one per process.
  const known = recentSplits.get(html);
  if (known?.marketUrl === marketUrl) return known.segments;
  const segments = Object.freeze(split(html, marketUrl).map((s) => Object.freeze(s)));
  if (recentSplits.size >= RECENT_SPLITS) recentSplits.delete(recentSplits.keys().next().value as string);
  recentSplits.set(html, { marketUrl, segments });
  return segments;
}

/** The last posts split (oldest first out): the posts being read right now. */
const recentSplits = new Map<string, { marketUrl: string; segments: readonly ProductLinkSegment[] }>();
const RECENT_SPLITS = 64;

function split(html: string, marketUrl: string): ProductLinkSegment[] {
  const blocks: { end: number; slugs: string[] }[] = [];
  let depth = 0;
  let slugs: string[] = [];
  const parser = new (htmlparser2().Parser)(
    {
      onopentag(name, attributes) {
        depth++;
        if (name === 'a' && attributes.href) {
          const slug = productSlugOf(attributes.href, marketUrl);
          if (slug && !slugs.includes(slug) && slugs.length < MAX_SLUGS_PER_BLOCK) slugs.push(slug);
        }
      },
      onclosetag() {
        depth = Math.max(0, depth - 1);
        if (depth === 0) {
          if (slugs.length) blocks.push({ end: parser.endIndex + 1, slugs });
          slugs = [];
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.end(html);
  const segments: ProductLinkSegment[] = [];
  let from = 0;
  for (const block of blocks) {
    segments.push({ html: html.slice(from, block.end), slugs: block.slugs });
    from = block.end;
  }
  segments.push({ html: html.slice(from), slugs: [] });
  return segments;
}
