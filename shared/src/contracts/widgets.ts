/**
 * Cross-app UI contracts: which app serves which HTML fragment, how each is personalised
 * (and so how its cache is keyed), and the headers internal fragment requests carry.
 */
import { z } from 'zod';
import type { AppName } from '../config/app-names.ts';

export interface FragmentDefinition {
  /** The app that serves it at `/internal/fragments/<name>`. */
  app: AppName;
  /** What makes one copy differ from another: nothing, the member, or the member-or-cart. */
  personalisedBy: 'none' | 'user' | 'user-or-cart';
  /** Its query contract (most fragments take none). */
  query: z.ZodType<Record<string, string | number>>;
}

/** Query of the events `container-widget` fragment. */
export const ContainerWidgetQuery = z.object({
  type: z.enum(['post', 'page', 'market']),
  id: z.coerce.number().int().positive().max(2_147_483_647),
});
export type ContainerWidgetQuery = z.infer<typeof ContainerWidgetQuery>;

const NoQuery = z.object({});

/**
 * Query of the market `product-cards` fragment (live price and stock cards the blog shows where
 * a post links to products): given SKUs, given product slugs (a post links to
 * `<market>/p/<slug>/`, so the slug is all the blog knows), or a market's first products.
 */
export const ProductCardsQuery = z.union([
  z.object({ skus: z.string().regex(/^[^,]{1,100}(,[^,]{1,100}){0,19}$/, 'up to 20 comma-separated SKUs') }),
  z.object({
    slugs: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,190}(,[a-z0-9][a-z0-9-]{0,190}){0,19}$/, 'up to 20 comma-separated slugs'),
  }),
  z.object({
    market: z.string().regex(/^[a-z0-9][a-z0-9-]{0,190}$/),
    limit: z.coerce.number().int().min(1).max(12).default(4),
  }),
]);
export type ProductCardsQuery = z.infer<typeof ProductCardsQuery>;

/** Query of the federation `comments` fragment: fediverse replies to one of our objects (a blog Article). */
export const CommentsQuery = z.object({ object: z.url().max(2_000) });
export type CommentsQuery = z.infer<typeof CommentsQuery>;

export const FRAGMENTS = {
  nav: { app: 'blog', personalisedBy: 'none', query: NoQuery },
  'account-nav': { app: 'account', personalisedBy: 'user', query: NoQuery },
  'cart-mini': { app: 'cart', personalisedBy: 'user-or-cart', query: NoQuery },
  'container-widget': { app: 'events', personalisedBy: 'none', query: ContainerWidgetQuery },
  'product-cards': { app: 'market', personalisedBy: 'none', query: ProductCardsQuery },
  comments: { app: 'federation', personalisedBy: 'none', query: CommentsQuery },
} as const satisfies Record<string, FragmentDefinition>;

export type FragmentQuery<N extends keyof typeof FRAGMENTS> = z.infer<(typeof FRAGMENTS)[N]['query']>;

export type FragmentName = keyof typeof FRAGMENTS;

/** The slots every page header is composed from, in render order. */
export const HEADER_FRAGMENTS = [
  'nav',
  'account-nav',
  'cart-mini',
] as const satisfies readonly FragmentName[];

/** Headers of internal requests; the user and cart ones are trusted only beside a valid token. */
export const INTERNAL_HEADERS = {
  token: 'x-internal-token',
  /** base64url(JSON of SessionUser). */
  user: 'x-rose-ash-user',
  cart: 'x-rose-ash-cart',
} as const;

/** Cookie holding the anonymous cart key (readable by every app in development's single host). */
export const CART_COOKIE = 'rose_ash_cart';

/** Anonymous cart keys are random URL-safe strings (16–128 characters). */
export const CART_KEY_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
/** The cart key as a zod schema (DTOs, query and header validation). */
export const CartKey = z.string().regex(CART_KEY_PATTERN);

/** Page-cache tags, shared by the pages that carry them and the services that purge them. */
export const PAGE_TAGS = {
  blogPost: (slug: string) => `blog:post:${slug}`,
  blogPosts: 'blog:posts',
  markets: 'market:markets',
  /** Every market, category and product page and the sitemap: any product change purges it. */
  marketCatalogue: 'market:catalogue',
  marketProduct: (slug: string) => `market:product:${slug}`,
  events: 'events:entries',
} as const;
