/**
 * Data transfer objects crossing domain boundaries. Each is a zod schema plus its inferred,
 * readonly type; `freeze(schema, value)` validates and deep-freezes one at construction, so a
 * consumer can never mutate what another domain handed it.
 */
import { z } from 'zod';
import { CART_KEY_PATTERN } from './widgets.ts';

/** Validates `value` against `schema` and returns it deeply frozen. Throws a ZodError when invalid. */
export function freeze<S extends z.ZodType>(schema: S, value: z.input<S>): Readonly<z.output<S>> {
  return deepFreeze(schema.parse(value)) as Readonly<z.output<S>>;
}

/** `freeze` over a list; the list itself is frozen too. */
export function freezeAll<S extends z.ZodType>(
  schema: S,
  values: readonly z.input<S>[],
): readonly Readonly<z.output<S>>[] {
  return Object.freeze(values.map((v) => freeze(schema, v)));
}

function deepFreeze<T>(value: T): T {
  // Dates stay mutable objects in JS even when frozen; they are treated as values by convention.
  if (value && typeof value === 'object' && !(value instanceof Date) && !Object.isFrozen(value)) {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

const id = z.number().int().positive();

// ---- blog --------------------------------------------------------------------------------

const nullableString = z.string().nullable();
const postStatus = z.enum(['draft', 'scheduled', 'published', 'sent']);

export const AuthorRefDto = z.object({ id, slug: z.string(), name: z.string() }).readonly();
export type AuthorRefDto = z.infer<typeof AuthorRefDto>;

export const TagRefDto = z.object({ slug: z.string(), name: z.string() }).readonly();
export type TagRefDto = z.infer<typeof TagRefDto>;

/** A published post or page as readers, feeds, the sitemap and other apps see it. */
export const PostDto = z
  .object({
    id,
    uuid: z.string(),
    type: z.enum(['post', 'page']),
    slug: z.string(),
    title: z.string(),
    /**
     * What this reader may read: the whole body, or (see `locked`) the public preview of a
     * members-only or paid post. Lists, feeds and search always carry the public version.
     */
    html: nullableString,
    /** Ghost's visibility: public, members, paid or tiers. */
    visibility: z.enum(['public', 'members', 'paid', 'tiers']),
    /** Null when `html` is whole; else who may read the rest (signed-in or paying members). */
    locked: z.enum(['members', 'paid']).nullable(),
    excerpt: nullableString,
    featureImage: nullableString,
    featureImageAlt: nullableString,
    /** Sanitised HTML (Ghost's captions carry links and emphasis). */
    featureImageCaption: nullableString,
    publishedAt: z.date().nullable(),
    /** Last change: Ghost's `updated_at` for a synced post. */
    updatedAt: z.date(),
    readingTime: z.number().int().nonnegative(),
    metaTitle: nullableString,
    metaDescription: nullableString,
    ogImage: nullableString,
    twitterImage: nullableString,
    canonicalUrl: nullableString,
    /** The primary author, or null. */
    author: AuthorRefDto.nullable(),
    /** Every author, in Ghost's order (the primary first). */
    authors: z.array(AuthorRefDto).readonly(),
    /** Public tags only, in the post's order. */
    tags: z.array(TagRefDto).readonly(),
  })
  .readonly();
export type PostDto = z.infer<typeof PostDto>;

/** One page of a paginated listing. */
export function pageOf<S extends z.ZodType>(item: S) {
  return z
    .object({
      items: z.array(item).readonly(),
      page: z.number().int().positive(),
      pages: z.number().int().positive(),
      total: z.number().int().nonnegative(),
    })
    .readonly();
}
export const PostPageDto = pageOf(PostDto);
export type PostPageDto = z.infer<typeof PostPageDto>;

export const SearchHitDto = z
  .object({
    post: PostDto,
    /** HTML: the post's text escaped, with the matches in <mark>. */
    snippet: z.string(),
  })
  .readonly();
export const SearchPageDto = pageOf(SearchHitDto);
export type SearchPageDto = z.infer<typeof SearchPageDto>;

export const TagDto = z
  .object({
    id,
    slug: z.string(),
    name: z.string(),
    description: nullableString,
    metaDescription: nullableString,
    featureImage: nullableString,
  })
  .readonly();
export type TagDto = z.infer<typeof TagDto>;

export const AuthorDto = z
  .object({
    id,
    slug: z.string(),
    name: z.string(),
    bio: nullableString,
    profileImage: nullableString,
    website: nullableString,
    location: nullableString,
  })
  .readonly();
export type AuthorDto = z.infer<typeof AuthorDto>;

export const NavItemDto = z.object({ label: z.string(), url: z.string() }).readonly();

/** Who is reading a post page: members-only posts open to signed-in members, paid ones to staff. */
export const ViewerDto = z.object({ signedIn: z.boolean(), staff: z.boolean() }).readonly();
export type ViewerDto = z.infer<typeof ViewerDto>;

/** A newsletter readers can subscribe to (Ghost's, or the blog's own without Ghost). */
export const NewsletterDto = z
  .object({ id, slug: z.string(), name: z.string(), description: nullableString, ghostId: nullableString })
  .readonly();
export type NewsletterDto = z.infer<typeof NewsletterDto>;
export type NavItemDto = z.infer<typeof NavItemDto>;

export const NavMenusDto = z
  .object({ primary: z.array(NavItemDto).readonly(), secondary: z.array(NavItemDto).readonly() })
  .readonly();
export type NavMenusDto = z.infer<typeof NavMenusDto>;

/** A row of the editor's post list. */
export const AdminPostDto = z
  .object({
    id,
    type: z.enum(['post', 'page']),
    title: z.string(),
    slug: z.string(),
    status: postStatus,
    publishedAt: z.date().nullable(),
    updatedAt: z.date(),
    ghostId: nullableString,
  })
  .readonly();
export type AdminPostDto = z.infer<typeof AdminPostDto>;

/** A post or page as the editor loads it (any status). */
export const EditablePostDto = z
  .object({
    id,
    type: z.enum(['post', 'page']),
    uuid: z.string(),
    slug: z.string(),
    title: z.string(),
    html: nullableString,
    customExcerpt: nullableString,
    featureImage: nullableString,
    featureImageAlt: nullableString,
    status: postStatus,
    visibility: z.enum(['public', 'members', 'paid', 'tiers']),
    publishedAt: z.date().nullable(),
    updatedAt: z.date(),
    ghostId: nullableString,
    ghostUpdatedAt: z.date().nullable(),
    /** Tag names in order; Ghost's internal tags keep their `#`. */
    tagNames: z.array(z.string()).readonly(),
  })
  .readonly();
export type EditablePostDto = z.infer<typeof EditablePostDto>;

/** What the editor form (or its autosave) sends. */
export const PostInputDto = z.object({
  title: z.string().trim().min(1, 'Give the post a title').max(255),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .max(190)
    .regex(/^([a-z0-9][a-z0-9-]*)?$/, 'Use lower-case letters, digits and hyphens')
    .default(''),
  html: z.string().max(2_000_000).default(''),
  excerpt: z.string().trim().max(300).default(''),
  tags: z.string().trim().max(1_000).default(''),
  featureImage: z.string().trim().max(2_000).default(''),
  featureImageAlt: z.string().trim().max(255).default(''),
  /** ISO datetime or `YYYY-MM-DDTHH:mm` from a datetime-local field, in the site's time zone. */
  publishAt: z.string().trim().max(40).default(''),
  /** The Ghost `updated_at` the editor loaded, for collision detection on write-back. */
  ghostUpdatedAt: z.string().trim().max(40).default(''),
  /** New items only: a post (default) or a page; an existing item keeps its type. */
  type: z.enum(['post', 'page']).optional(),
});
export type PostInputDto = z.infer<typeof PostInputDto>;

export const EditorActionDto = z.enum(['save', 'publish', 'schedule', 'unpublish']);
export type EditorActionDto = z.infer<typeof EditorActionDto>;

/** Who is writing (the signed-in admin): their author record is found or created from it. */
export const WriterDto = z
  .object({ userId: id, email: z.string(), name: nullableString, username: nullableString })
  .readonly();
export type WriterDto = z.infer<typeof WriterDto>;

/** Outcome of saving or deleting a post from the editor. */
export type SavePostResult =
  | { readonly ok: true; readonly post: EditablePostDto; readonly ghostWarning?: string }
  | {
      readonly ok: false;
      /** conflict: a real `updated_at` collision; ghost_rejected: Ghost refused it (its message says why). */
      readonly reason: 'conflict' | 'invalid_schedule' | 'not_found' | 'ghost_rejected' | 'ghost_error';
      readonly message: string;
    };

/** What `/ap/articles/<uuid>` serves: the live Article, the Tombstone of one that went, or nothing. */
export type ArticleLookup =
  | { readonly kind: 'live'; readonly slug: string; readonly article: Readonly<Record<string, unknown>> }
  | { readonly kind: 'gone'; readonly tombstone: Readonly<Record<string, unknown>> }
  | { readonly kind: 'none' };

export const SyncRunDto = z
  .object({
    id,
    kind: z.string(),
    status: z.string(),
    startedAt: z.date(),
    finishedAt: z.date().nullable(),
    counts: z.record(z.string(), z.record(z.string(), z.number())).nullable(),
    error: nullableString,
  })
  .readonly();
/** A stored Ghost webhook delivery that could not be applied (kept for a retry or a discard). */
export const FailedDeliveryDto = z
  .object({
    id,
    event: z.string(),
    receivedAt: z.date(),
    failedAt: z.date(),
    attempts: z.number().int().nonnegative(),
    error: nullableString,
  })
  .readonly();
export type FailedDeliveryDto = z.infer<typeof FailedDeliveryDto>;

export const SyncStatusDto = z
  .object({
    runs: z.array(SyncRunDto).readonly(),
    /** Stored Ghost webhook deliveries not applied yet (and not given up on). */
    pendingDeliveries: z.number().int().nonnegative(),
    /** Deliveries given up on, newest first. */
    failedDeliveries: z.array(FailedDeliveryDto).readonly(),
    /**
     * What the last full sync found different from Ghost with nothing in Ghost to explain it,
     * or null before the first full sync.
     */
    drift: z
      .object({ posts: z.number().int().nonnegative(), pages: z.number().int().nonnegative(), at: z.date() })
      .readonly()
      .nullable(),
    /** Demo rows the last full sync removed (they were not Ghost's), if any. */
    demoRemoved: z.number().int().nonnegative(),
  })
  .readonly();
export type SyncStatusDto = z.infer<typeof SyncStatusDto>;

// ---- market ------------------------------------------------------------------------------

export const MarketDto = z
  .object({
    id,
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    location: z.string().nullable(),
    imageUrl: z.string().nullable(),
    /** Free text, one line per day or season. */
    openingTimes: z.string().nullable(),
  })
  .readonly();
export type MarketDto = z.infer<typeof MarketDto>;

export const ProductDto = z
  .object({
    id,
    sku: z.string(),
    slug: z.string(),
    name: z.string(),
    pricePence: z.number().int().nonnegative(),
    currency: z.string(),
    unit: z.string().nullable(),
    imageUrl: z.string().nullable(),
    /** null = stock not tracked. */
    stockQuantity: z.number().int().nullable(),
    isActive: z.boolean(),
  })
  .readonly();
export type ProductDto = z.infer<typeof ProductDto>;

/** How a product listing is ordered; `relevance` needs a search query (else it is by name). */
export const PRODUCT_SORTS = ['relevance', 'name', 'price-asc', 'price-desc', 'newest'] as const;
export const ProductSortDto = z.enum(PRODUCT_SORTS);
export type ProductSortDto = z.infer<typeof ProductSortDto>;

export const CategoryDto = z.object({ id, slug: z.string(), name: z.string() }).readonly();
export type CategoryDto = z.infer<typeof CategoryDto>;

/** A category with how many products of the current listing (search included) are in it. */
export const CategoryCountDto = z
  .object({ slug: z.string(), name: z.string(), count: z.number().int().nonnegative() })
  .readonly();
export type CategoryCountDto = z.infer<typeof CategoryCountDto>;

/** A product as listings, search results and product cards show it. */
export const ProductSummaryDto = z
  .object({
    id,
    sku: z.string(),
    slug: z.string(),
    name: z.string(),
    pricePence: z.number().int().nonnegative(),
    currency: z.string(),
    unit: z.string().nullable(),
    imageUrl: z.string().nullable(),
    /** null = stock not tracked. */
    stockQuantity: z.number().int().nullable(),
    isActive: z.boolean(),
    supplierName: z.string(),
    category: z.object({ slug: z.string(), name: z.string() }).readonly().nullable(),
    /** HTML: the name escaped, search matches in <mark> (search results only). */
    nameHtml: z.string().nullable(),
    /** HTML: a stretch of the description escaped, matches in <mark> (search results only). */
    snippetHtml: z.string().nullable(),
  })
  .readonly();
export type ProductSummaryDto = z.infer<typeof ProductSummaryDto>;

export const ProductListingDto = z
  .object({
    items: z.array(ProductSummaryDto).readonly(),
    page: z.number().int().positive(),
    pages: z.number().int().positive(),
    total: z.number().int().nonnegative(),
    /** Counts per category of the listing without its category filter, in display order. */
    categories: z.array(CategoryCountDto).readonly(),
    /** The order applied (`relevance` falls back to `name` without a query). */
    sort: ProductSortDto,
    /** False when there was no query, or it had no searchable words (punctuation, stop words). */
    searched: z.boolean(),
  })
  .readonly();
export type ProductListingDto = z.infer<typeof ProductListingDto>;

/** Everything the product page shows, whether or not the product is still for sale. */
export const ProductDetailDto = z
  .object({
    id,
    sku: z.string(),
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    pricePence: z.number().int().nonnegative(),
    currency: z.string(),
    unit: z.string().nullable(),
    imageUrl: z.string().nullable(),
    images: z.array(z.string()).readonly(),
    stockQuantity: z.number().int().nullable(),
    isActive: z.boolean(),
    supplier: z.object({ slug: z.string(), name: z.string(), website: z.string().nullable() }).readonly(),
    category: CategoryDto.nullable(),
    markets: z.array(z.object({ slug: z.string(), name: z.string() }).readonly()).readonly(),
    firstSeenAt: z.date(),
    updatedAt: z.date(),
  })
  .readonly();
export type ProductDetailDto = z.infer<typeof ProductDetailDto>;

export const SitemapEntriesDto = z
  .object({
    markets: z.array(z.object({ slug: z.string(), updatedAt: z.date() }).readonly()).readonly(),
    categories: z.array(z.object({ market: z.string(), category: z.string() }).readonly()).readonly(),
    products: z.array(z.object({ slug: z.string(), updatedAt: z.date() }).readonly()).readonly(),
  })
  .readonly();
export type SitemapEntriesDto = z.infer<typeof SitemapEntriesDto>;

export const SupplierDto = z
  .object({ id, slug: z.string(), name: z.string(), website: z.string().nullable(), isActive: z.boolean() })
  .readonly();
export type SupplierDto = z.infer<typeof SupplierDto>;

/** A market as its admin form edits it. */
export const MarketAdminDto = z
  .object({
    id,
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    location: z.string().nullable(),
    openingTimes: z.string().nullable(),
    sortOrder: z.number().int(),
    supplierIds: z.array(id).readonly(),
    productCount: z.number().int().nonnegative(),
  })
  .readonly();
export type MarketAdminDto = z.infer<typeof MarketAdminDto>;

/** Market slugs that would shadow the app's own paths. */
export const RESERVED_MARKET_SLUGS = [
  'admin',
  'ap',
  'api',
  'auth',
  'c',
  'healthz',
  'internal',
  'media',
  'nodeinfo',
  'p',
  'readyz',
  'search',
  'static',
  'users',
] as const;

/** What the market admin form sends (trimmed; empty optional fields become null). */
export const MarketInputDto = z.object({
  name: z.string().trim().min(1, 'Give the market a name').max(120),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .max(100)
    .regex(/^([a-z0-9][a-z0-9-]*)?$/, 'Use lower-case letters, digits and hyphens')
    .refine((s) => !(RESERVED_MARKET_SLUGS as readonly string[]).includes(s), 'That address is reserved')
    .default(''),
  location: z.string().trim().max(200).default(''),
  description: z.string().trim().max(2_000).default(''),
  openingTimes: z.string().trim().max(1_000).default(''),
  sortOrder: z.coerce.number().int().min(-1_000).max(1_000).default(0),
  supplierIds: z.array(id).max(500).default([]),
});
export type MarketInputDto = z.infer<typeof MarketInputDto>;

export type SaveMarketResult =
  | { readonly ok: true; readonly market: MarketAdminDto }
  | { readonly ok: false; readonly reason: 'slug-taken' | 'not-found'; readonly message: string };

export const ScrapeErrorDto = z
  .object({ url: z.string().optional(), sku: z.string().optional(), message: z.string() })
  .readonly();
export type ScrapeErrorDto = z.infer<typeof ScrapeErrorDto>;

export const ScrapeRunDto = z
  .object({
    id,
    supplier: z.object({ slug: z.string(), name: z.string() }).readonly(),
    status: z.enum(['running', 'succeeded', 'failed']),
    trigger: z.enum(['schedule', 'admin', 'command']),
    startedAt: z.date(),
    finishedAt: z.date().nullable(),
    complete: z.boolean(),
    created: z.number().int().nonnegative(),
    updated: z.number().int().nonnegative(),
    unchanged: z.number().int().nonnegative(),
    deactivated: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    errors: z.array(ScrapeErrorDto).readonly(),
  })
  .readonly();
export type ScrapeRunDto = z.infer<typeof ScrapeRunDto>;

/** One product as a scraper read it from a supplier's catalogue (prices already parsed). */
export const ScrapedItemDto = z
  .object({
    sku: z.string().min(1).max(100),
    name: z.string().min(1).max(300),
    description: z.string().max(5_000).nullable(),
    pricePence: z.number().int().nonnegative(),
    unit: z.string().max(60).nullable(),
    /** Local media URLs of the images downloaded for it (first is the main one). */
    images: z.array(z.string().max(2_000)).max(10).readonly(),
    sourceUrl: z.string().max(2_000).nullable(),
    /** The supplier's category name, when the catalogue says. */
    category: z.string().max(120).nullable(),
    /** undefined: the catalogue says nothing (keep what we have); null: not tracked. */
    stockQuantity: z.number().int().nonnegative().nullable().optional(),
  })
  .readonly();
export type ScrapedItemDto = z.infer<typeof ScrapedItemDto>;

/** The end of a scrape run: what it read, or why it failed (a failed run changes no product). */
export type ScrapeOutcomeDto =
  | {
      readonly status: 'succeeded';
      /** Every listing page was read: only then are products it did not see deactivated. */
      readonly complete: boolean;
      readonly items: readonly ScrapedItemDto[];
      /** Items that could not be read (no SKU, a price that does not parse, a duplicate). */
      readonly failed: number;
      readonly errors: readonly ScrapeErrorDto[];
    }
  | {
      readonly status: 'failed';
      readonly failed: number;
      readonly errors: readonly ScrapeErrorDto[];
    };

// ---- cart --------------------------------------------------------------------------------

/** Whose cart: an anonymous cart (cookie key) or a member's live cart. */
export const CartOwnerDto = z.union([
  z.object({ cartKey: z.string().regex(CART_KEY_PATTERN) }).readonly(),
  z.object({ userId: id }).readonly(),
]);
export type CartOwnerDto = z.infer<typeof CartOwnerDto>;

/** What to add: a product by SKU or an event ticket by ticket type. */
export const AddItemDto = z.union([
  z.object({ sku: z.string().min(1), quantity: z.number().int().min(1).max(999) }).readonly(),
  z.object({ ticketTypeId: id, quantity: z.number().int().min(1).max(999) }).readonly(),
]);
export type AddItemDto = z.infer<typeof AddItemDto>;

export const CartLineDto = z
  .object({
    id,
    kind: z.enum(['product', 'ticket']),
    name: z.string(),
    /** A second line of description (a ticket's event and date), or null. */
    detail: z.string().nullable(),
    sku: z.string().nullable(),
    productId: id.nullable(),
    ticketTypeId: id.nullable(),
    quantity: z.number().int().positive(),
    /** Today's price (what checkout will charge), not the price when it was added. */
    unitPricePence: z.number().int().nonnegative(),
    lineTotalPence: z.number().int().nonnegative(),
    /** True when the price changed since the line was added. */
    priceChanged: z.boolean(),
    /** How many can still be had; null when stock is not tracked. */
    available: z.number().int().nonnegative().nullable(),
    /** Why the line cannot be checked out as it is: gone, none left, or fewer than asked. */
    problem: z.enum(['inactive', 'sold-out', 'short']).nullable(),
  })
  .readonly();
export type CartLineDto = z.infer<typeof CartLineDto>;

export const CartSummaryDto = z
  .object({
    /** null when the owner has no cart yet. */
    cartId: id.nullable(),
    itemCount: z.number().int().nonnegative(),
    totalPence: z.number().int().nonnegative(),
    currency: z.string(),
    lines: z.array(CartLineDto).readonly(),
  })
  .readonly();
export type CartSummaryDto = z.infer<typeof CartSummaryDto>;

/** Outcome of `CartService.addItem`: expected failures are values, not exceptions. */
export type AddItemResult =
  | { readonly ok: true; readonly cartId: number; readonly summary: CartSummaryDto }
  | { readonly ok: false; readonly reason: 'unknown-item' | 'inactive' | 'sold-out' };

/** Outcome of `CartService.setQuantity`. */
export type SetQuantityResult =
  | { readonly ok: true; readonly summary: CartSummaryDto }
  | { readonly ok: false; readonly reason: 'not-found' }
  | { readonly ok: false; readonly reason: 'sold-out'; readonly available: number };

/** Outcome of `CartService.mergeAnonymousCart`. */
export interface MergeCartResult {
  /** False when there was nothing to merge (no such anonymous cart, or merged already). */
  readonly merged: boolean;
  /** Names of lines whose summed quantity was cut down to what is left. */
  readonly capped: readonly string[];
}

export const OrderStatusDto = z.enum([
  'pending',
  'awaiting_payment',
  'paid',
  'failed',
  'expired',
  'cancelled',
  'fulfilled',
  'refunded',
]);
export type OrderStatusDto = z.infer<typeof OrderStatusDto>;

export const OrderAddressDto = z
  .object({
    line1: z.string().min(1).max(200),
    line2: z.string().max(200).optional(),
    city: z.string().min(1).max(100),
    region: z.string().max(100).optional(),
    postcode: z.string().min(1).max(20),
    country: z.string().length(2),
  })
  .readonly();
export type OrderAddressDto = z.infer<typeof OrderAddressDto>;

/** What the checkout form hands the cart service (already validated by the route). */
export const CheckoutInputDto = z
  .object({
    email: z.email().max(254),
    name: z.string().min(1).max(200),
    fulfilment: z.enum(['delivery', 'collection', 'none']),
    /** The chosen collection point as shown to the shopper (collection only). */
    collectionPoint: z.string().max(300).nullable(),
    address: OrderAddressDto.nullable(),
    notes: z.string().max(2_000).nullable(),
    /** Delivery charge from the cart settings, in minor units (0 unless delivering). */
    deliveryPence: z.number().int().nonnegative(),
    /** The member placing it, or null for an anonymous shopper. */
    userId: id.nullable(),
  })
  .readonly();
export type CheckoutInputDto = z.infer<typeof CheckoutInputDto>;

export const OrderItemDto = z
  .object({
    id,
    kind: z.enum(['product', 'ticket']),
    name: z.string(),
    sku: z.string().nullable(),
    productId: id.nullable(),
    ticketTypeId: id.nullable(),
    quantity: z.number().int().positive(),
    unitPricePence: z.number().int().nonnegative(),
    lineTotalPence: z.number().int().nonnegative(),
  })
  .readonly();
export type OrderItemDto = z.infer<typeof OrderItemDto>;

export const OrderTicketDto = z
  .object({ code: z.string(), orderItemId: id.nullable(), status: z.enum(['valid', 'used', 'cancelled']) })
  .readonly();
export type OrderTicketDto = z.infer<typeof OrderTicketDto>;

/** One payment attempt (one SumUp checkout). */
export const PaymentAttemptDto = z
  .object({
    id,
    reference: z.string(),
    checkoutId: z.string().nullable(),
    hostedCheckoutUrl: z.string().nullable(),
    status: z.enum(['pending', 'paid', 'failed', 'expired']),
    amountPence: z.number().int().nonnegative(),
    currency: z.string(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .readonly();
export type PaymentAttemptDto = z.infer<typeof PaymentAttemptDto>;

export const OrderDto = z
  .object({
    id,
    number: z.string(),
    userId: id.nullable(),
    email: z.string(),
    name: z.string(),
    fulfilment: z.enum(['delivery', 'collection', 'none']),
    collectionPoint: z.string().nullable(),
    address: OrderAddressDto.nullable(),
    notes: z.string().nullable(),
    status: OrderStatusDto,
    subtotalPence: z.number().int().nonnegative(),
    deliveryPence: z.number().int().nonnegative(),
    totalPence: z.number().int().nonnegative(),
    currency: z.string(),
    createdAt: z.date(),
    paidAt: z.date().nullable(),
    fulfilledAt: z.date().nullable(),
    confirmationSentAt: z.date().nullable(),
    flaggedAt: z.date().nullable(),
    flagReason: z.string().nullable(),
    refundedAt: z.date().nullable(),
    refundNote: z.string().nullable(),
    items: z.array(OrderItemDto).readonly(),
    tickets: z.array(OrderTicketDto).readonly(),
    /** Newest first. */
    payments: z.array(PaymentAttemptDto).readonly(),
  })
  .readonly();
export type OrderDto = z.infer<typeof OrderDto>;

/** An order in a list (a member's history, the admin list). */
export const OrderSummaryDto = z
  .object({
    number: z.string(),
    status: OrderStatusDto,
    email: z.string(),
    name: z.string(),
    totalPence: z.number().int().nonnegative(),
    currency: z.string(),
    itemCount: z.number().int().nonnegative(),
    createdAt: z.date(),
    paidAt: z.date().nullable(),
    flagged: z.boolean(),
  })
  .readonly();
export type OrderSummaryDto = z.infer<typeof OrderSummaryDto>;

export const OrderPageDto = z
  .object({
    items: z.array(OrderSummaryDto).readonly(),
    total: z.number().int().nonnegative(),
    page: z.number().int().positive(),
    perPage: z.number().int().positive(),
    /** Orders with an unresolved flag, whatever the filter. */
    flaggedCount: z.number().int().nonnegative(),
  })
  .readonly();
export type OrderPageDto = z.infer<typeof OrderPageDto>;

/** A line that stopped the checkout, named for the shopper. */
export interface UnavailableLine {
  readonly name: string;
  readonly reason: 'sold-out' | 'inactive';
  /** How many were left when the checkout tried (0 when sold out or gone). */
  readonly available: number;
}

/** Outcome of `CartService.checkout`: an order with its stock held, or why not. */
export type CheckoutResult =
  | { readonly ok: true; readonly order: OrderDto }
  | { readonly ok: false; readonly reason: 'empty' }
  | { readonly ok: false; readonly reason: 'unavailable'; readonly lines: readonly UnavailableLine[] };

/** Outcome of the admin's order actions. */
export type OrderActionResult =
  | { readonly ok: true; readonly order: OrderDto }
  | { readonly ok: false; readonly reason: 'not-found' | 'wrong-status' };

// Stock held for unpaid orders: `MarketService.reserveStock` (products) and
// `CalendarService.reserveTickets` (ticket types) share these shapes.

/** One line to hold: a product or a ticket type, and how many. */
export interface StockLine {
  readonly id: number;
  readonly quantity: number;
}

/** A held line, priced at the moment it was taken. */
export interface HeldLine {
  readonly id: number;
  readonly name: string;
  readonly sku: string | null;
  readonly unitPricePence: number;
  readonly currency: string;
}

/** Outcome of `reserveStock` / `reserveTickets`: all lines held, or none and the first that could not be. */
export type ReserveResult =
  | { readonly ok: true; readonly lines: readonly HeldLine[] }
  | {
      readonly ok: false;
      readonly id: number;
      readonly name: string;
      readonly reason: 'sold-out' | 'inactive';
      readonly available: number;
    };

// ---- calendar ----------------------------------------------------------------------------

export const CalendarContainerTypeDto = z.enum(['post', 'page', 'market']);
export type CalendarContainerTypeDto = z.infer<typeof CalendarContainerTypeDto>;

export const ContainerRefDto = z.object({ type: CalendarContainerTypeDto, id }).readonly();
export type ContainerRefDto = z.infer<typeof ContainerRefDto>;

export const BookingModeDto = z.enum(['free', 'tickets', 'none']);
export type BookingModeDto = z.infer<typeof BookingModeDto>;

/** Structured address (iCal LOCATION, ActivityPub `PostalAddress`, JSON-LD). */
export const LocationAddressDto = z
  .object({
    streetAddress: z.string().optional(),
    locality: z.string().optional(),
    region: z.string().optional(),
    postalCode: z.string().optional(),
    country: z.string().optional(),
  })
  .readonly();
export type LocationAddressDto = z.infer<typeof LocationAddressDto>;

export const CalendarDto = z
  .object({
    id,
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    timezone: z.string(),
    container: ContainerRefDto,
    archivedAt: z.date().nullable(),
  })
  .readonly();
export type CalendarDto = z.infer<typeof CalendarDto>;

export const CalendarEntrySummaryDto = z
  .object({
    id,
    slug: z.string(),
    title: z.string(),
    summary: z.string().nullable(),
    startsAt: z.date(),
    endsAt: z.date().nullable(),
    allDay: z.boolean(),
    timezone: z.string(),
    locationName: z.string().nullable(),
    status: z.enum(['scheduled', 'cancelled']),
    bookingMode: BookingModeDto,
    /** Seats (free booking) or tickets left; null when unlimited or not bookable here. */
    placesLeft: z.number().int().nonnegative().nullable(),
    /** Cheapest ticket in minor units (ticketed entries), else null. */
    fromPricePence: z.number().int().nonnegative().nullable(),
    calendar: z.object({ id, slug: z.string(), name: z.string() }).readonly(),
  })
  .readonly();
export type CalendarEntrySummaryDto = z.infer<typeof CalendarEntrySummaryDto>;

export const TicketTypeDto = z
  .object({
    id,
    name: z.string(),
    description: z.string().nullable(),
    pricePence: z.number().int().nonnegative(),
    currency: z.string(),
    quantity: z.number().int().nonnegative(),
    sold: z.number().int().nonnegative(),
    /** quantity − sold. */
    remaining: z.number().int().nonnegative(),
  })
  .readonly();
export type TicketTypeDto = z.infer<typeof TicketTypeDto>;

/** Everything the entry page, its iCal and its ActivityPub `Event` show. */
export const CalendarEntryDto = z
  .object({
    id,
    slug: z.string(),
    title: z.string(),
    summary: z.string().nullable(),
    /** Sanitised HTML. */
    description: z.string().nullable(),
    imageUrl: z.string().nullable(),
    startsAt: z.date(),
    endsAt: z.date().nullable(),
    allDay: z.boolean(),
    timezone: z.string(),
    locationName: z.string().nullable(),
    locationAddress: LocationAddressDto.nullable(),
    locationLat: z.number().nullable(),
    locationLng: z.number().nullable(),
    capacity: z.number().int().nonnegative().nullable(),
    bookedSeats: z.number().int().nonnegative(),
    bookingMode: BookingModeDto,
    status: z.enum(['scheduled', 'cancelled']),
    cancellationNote: z.string().nullable(),
    placesLeft: z.number().int().nonnegative().nullable(),
    sequence: z.number().int().nonnegative(),
    seriesId: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
    calendar: CalendarDto,
    ticketTypes: z.array(TicketTypeDto).readonly(),
  })
  .readonly();
export type CalendarEntryDto = z.infer<typeof CalendarEntryDto>;

export const BookingDto = z
  .object({
    id,
    entryId: id,
    userId: id.nullable(),
    seats: z.number().int().positive(),
    status: z.enum(['confirmed', 'cancelled']),
    createdAt: z.date(),
    cancelledAt: z.date().nullable(),
  })
  .readonly();
export type BookingDto = z.infer<typeof BookingDto>;

/** A booking with its entry (a member's list, the confirmation e-mail). */
export const BookingDetailDto = z
  .object({
    booking: BookingDto,
    entry: CalendarEntrySummaryDto,
    /** The member's e-mail and name (null for remote RSVPs). */
    email: z.string().nullable(),
    name: z.string().nullable(),
    /** True while the configured cut-off still allows the member to cancel. */
    cancellable: z.boolean(),
  })
  .readonly();
export type BookingDetailDto = z.infer<typeof BookingDetailDto>;

export type BookSeatsResult =
  | { readonly ok: true; readonly booking: BookingDto; readonly placesLeft: number | null }
  | {
      readonly ok: false;
      readonly reason: 'not-found' | 'not-bookable' | 'cancelled' | 'closed' | 'over-limit' | 'full';
      /** Seats still free (for the "full" message), when known. */
      readonly placesLeft?: number | null;
      readonly limit?: number;
    };

export type CancelBookingResult =
  | { readonly ok: true; readonly booking: BookingDto }
  | { readonly ok: false; readonly reason: 'not-found' | 'too-late' };

export const IssueTicketsInputDto = z
  .object({
    orderId: id,
    holderEmail: z.email(),
    holderName: z.string().nullable(),
    userId: id.nullable(),
    items: z
      .array(
        z
          .object({ orderItemId: id, ticketTypeId: id, quantity: z.number().int().min(1).max(999) })
          .readonly(),
      )
      .readonly(),
  })
  .readonly();
export type IssueTicketsInputDto = z.infer<typeof IssueTicketsInputDto>;

export const TicketDto = z
  .object({
    id,
    code: z.string(),
    ticketTypeId: id,
    orderItemId: id.nullable(),
    seq: z.number().int().positive().nullable(),
    holderEmail: z.string(),
    status: z.enum(['valid', 'used', 'cancelled']),
  })
  .readonly();
export type TicketDto = z.infer<typeof TicketDto>;

/** Outcome of `CalendarService.issueTickets`. */
export type IssueTicketsResult =
  | { readonly ok: true; readonly tickets: readonly TicketDto[] }
  | {
      readonly ok: false;
      readonly reason: 'unknown-ticket-type' | 'sold-out';
      readonly ticketTypeId: number;
    };

/** A ticket with what it admits to: the account's list, the e-mail, the door check. */
export const TicketDetailDto = z
  .object({
    id,
    code: z.string(),
    status: z.enum(['valid', 'used', 'cancelled']),
    usedAt: z.date().nullable(),
    holderEmail: z.string(),
    holderName: z.string().nullable(),
    orderId: id.nullable(),
    ticketType: z
      .object({ id, name: z.string(), pricePence: z.number().int(), currency: z.string() })
      .readonly(),
    entry: CalendarEntrySummaryDto,
  })
  .readonly();
export type TicketDetailDto = z.infer<typeof TicketDetailDto>;

/** What the door check finds for a typed or scanned code. */
export type TicketCheckResult =
  | { readonly status: 'valid' | 'used' | 'cancelled'; readonly ticket: TicketDetailDto }
  | { readonly status: 'unknown' };

/** Outcome of marking a ticket used at the door: only a valid ticket is marked, once. */
export type UseTicketResult =
  | { readonly ok: true; readonly ticket: TicketDetailDto }
  | { readonly ok: false; readonly reason: 'unknown' }
  | { readonly ok: false; readonly reason: 'used' | 'cancelled'; readonly ticket: TicketDetailDto };

/** An admin's calendar form. */
export const CalendarInputDto = z
  .object({
    name: z.string().trim().min(1, 'Give the calendar a name').max(200),
    description: z.string().trim().max(5_000).default(''),
  })
  .readonly();
export type CalendarInputDto = z.infer<typeof CalendarInputDto>;

/** An admin's entry form, already parsed: times are instants (converted from the site zone). */
export const EntryInputDto = z
  .object({
    title: z.string().trim().min(1).max(200),
    summary: z.string().trim().max(300).nullable(),
    /** HTML; the service sanitises it. */
    description: z.string().max(100_000).nullable(),
    imageUrl: z.string().max(2_000).nullable(),
    startsAt: z.date(),
    endsAt: z.date().nullable(),
    allDay: z.boolean(),
    locationName: z.string().trim().max(200).nullable(),
    locationAddress: LocationAddressDto.nullable(),
    locationLat: z.number().min(-90).max(90).nullable(),
    locationLng: z.number().min(-180).max(180).nullable(),
    capacity: z.number().int().min(0).max(1_000_000).nullable(),
    bookingMode: BookingModeDto,
  })
  .readonly();
export type EntryInputDto = z.infer<typeof EntryInputDto>;

export const TicketTypeInputDto = z
  .object({
    name: z.string().trim().min(1).max(100),
    description: z.string().trim().max(1_000).nullable(),
    pricePence: z.number().int().min(0).max(10_000_000),
    quantity: z.number().int().min(0).max(1_000_000),
  })
  .readonly();
export type TicketTypeInputDto = z.infer<typeof TicketTypeInputDto>;

/** An admin change to calendars or entries: expected refusals are values. */
export type CalendarAdminResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string; readonly message: string };

/** A row of the admin's bookings list (and its CSV). */
export const EntryBookingRowDto = z
  .object({
    bookingId: id,
    seats: z.number().int().positive(),
    status: z.enum(['confirmed', 'cancelled']),
    email: z.string().nullable(),
    name: z.string().nullable(),
    remoteActorUri: z.string().nullable(),
    createdAt: z.date(),
    cancelledAt: z.date().nullable(),
  })
  .readonly();
export type EntryBookingRowDto = z.infer<typeof EntryBookingRowDto>;

/** What an entry's URL serves to ActivityPub clients: its `Event`, a Tombstone, or nothing. */
export type EventObjectLookup =
  | { readonly kind: 'live'; readonly event: Readonly<Record<string, unknown>> }
  | { readonly kind: 'gone'; readonly tombstone: Readonly<Record<string, unknown>> }
  | { readonly kind: 'none' };

// ---- federation (social hub) ------------------------------------------------------------

const apVisibility = z.enum(['public', 'unlisted', 'followers', 'direct']);

/** A member as the social hub shows them; `username` is null until they pick one. */
export const MemberDto = z
  .object({
    userId: id,
    username: z.string().nullable(),
    displayName: z.string().nullable(),
    bio: z.string().nullable(),
    avatarUrl: z.string().nullable(),
    /** `@name@federation-host`, or null without a username. */
    handle: z.string().nullable(),
    actorUri: z.string().nullable(),
    manuallyApprovesFollowers: z.boolean(),
  })
  .readonly();
export type MemberDto = z.infer<typeof MemberDto>;

/** Any account (a member, an app, a remote actor) as a line in a list or a post's byline. */
export const AccountRefDto = z
  .object({
    uri: z.string(),
    name: z.string(),
    /** `@user@host`. */
    handle: z.string(),
    avatarUrl: z.string().nullable(),
    /** Our page about the account (a member's profile, a remote account's page). */
    profilePath: z.string(),
    /** The account's own page on its server (http(s) only), when known. */
    externalUrl: z.string().nullable(),
    local: z.boolean(),
  })
  .readonly();
export type AccountRefDto = z.infer<typeof AccountRefDto>;

export const AttachmentDto = z
  .object({
    url: z.string(),
    mediaType: z.string().nullable(),
    description: z.string().nullable(),
    isImage: z.boolean(),
  })
  .readonly();
export type AttachmentDto = z.infer<typeof AttachmentDto>;

/** A post (a member's note or a remote note/article) as a timeline entry. */
export const StatusDto = z
  .object({
    /** `ap_objects.id`: our thread page is `/social/notes/<id>`. */
    id,
    uri: z.string(),
    /** The post's own page (http(s)); for ours, its thread page. */
    url: z.string(),
    type: z.string(),
    /** Title of an Article or Event. */
    name: z.string().nullable(),
    author: AccountRefDto,
    /** Sanitised HTML (stored sanitised; the allowlist of sanitize.ts). */
    contentHtml: z.string(),
    /** The content warning; the content is collapsed behind it. */
    contentWarning: z.string().nullable(),
    sensitive: z.boolean(),
    visibility: apVisibility,
    inReplyTo: z.string().nullable(),
    /** Our thread page of the post replied to, when we have it. */
    inReplyToId: id.nullable(),
    publishedAt: z.date(),
    editedAt: z.date().nullable(),
    attachments: z.array(AttachmentDto).readonly(),
    hashtags: z.array(z.string()).readonly(),
    likes: z.number().int().nonnegative(),
    boosts: z.number().int().nonnegative(),
    replies: z.number().int().nonnegative(),
    likedByViewer: z.boolean(),
    boostedByViewer: z.boolean(),
    /** The viewer wrote it (may edit and delete). */
    byViewer: z.boolean(),
    /** Public and unlisted posts can be boosted. */
    boostable: z.boolean(),
    /** Set when this entry is someone's boost of the post. */
    boostedBy: AccountRefDto.nullable(),
    /** This entry's timeline position (`max_id` for the next page). */
    cursor: z.number().int(),
  })
  .readonly();
export type StatusDto = z.infer<typeof StatusDto>;

export const TimelinePageDto = z
  .object({
    items: z.array(StatusDto).readonly(),
    /** Pass as `max_id` for older entries; null on the last page. */
    nextMaxId: z.number().int().nullable(),
  })
  .readonly();
export type TimelinePageDto = z.infer<typeof TimelinePageDto>;

/** A conversation around one post: what it replies to (oldest first), it, and its replies. */
export const ThreadDto = z
  .object({
    ancestors: z.array(StatusDto).readonly(),
    status: StatusDto,
    descendants: z.array(StatusDto.and(z.object({ depth: z.number().int() }))).readonly(),
  })
  .readonly();
export type ThreadDto = z.infer<typeof ThreadDto>;

/** The viewer's follow of an account. */
export const FollowStateDto = z.enum(['none', 'pending', 'accepted', 'rejected']);
export type FollowStateDto = z.infer<typeof FollowStateDto>;

/** A remote account's page: its profile, and how the viewer relates to it. */
export const RemoteAccountDto = z
  .object({
    id,
    account: AccountRefDto,
    type: z.string(),
    /** Sanitised HTML. */
    summaryHtml: z.string(),
    manuallyApprovesFollowers: z.boolean(),
    following: FollowStateDto,
    followsViewer: z.boolean(),
    blocked: z.boolean(),
  })
  .readonly();
export type RemoteAccountDto = z.infer<typeof RemoteAccountDto>;

export const FollowListDto = z
  .object({
    items: z.array(AccountRefDto.and(z.object({ followId: id }))).readonly(),
    nextMaxId: z.number().int().nullable(),
    total: z.number().int().nonnegative(),
  })
  .readonly();
export type FollowListDto = z.infer<typeof FollowListDto>;

export const FollowRequestDto = z.object({ id, account: AccountRefDto, createdAt: z.date() }).readonly();
export type FollowRequestDto = z.infer<typeof FollowRequestDto>;

export const NotificationDto = z
  .object({
    id,
    type: z.enum(['follow', 'follow_request', 'mention', 'reply', 'like', 'announce']),
    account: AccountRefDto,
    /** The post it is about (a mention, a reply, the post liked or boosted), when still there. */
    status: StatusDto.nullable(),
    read: z.boolean(),
    createdAt: z.date(),
  })
  .readonly();
export type NotificationDto = z.infer<typeof NotificationDto>;

export const NotificationPageDto = z
  .object({ items: z.array(NotificationDto).readonly(), nextMaxId: z.number().int().nullable() })
  .readonly();
export type NotificationPageDto = z.infer<typeof NotificationPageDto>;

/** A fediverse reply shown under a blog post. */
export const CommentDto = z
  .object({
    id,
    uri: z.string(),
    /** The original on its server (http(s)). */
    url: z.string(),
    author: AccountRefDto,
    contentHtml: z.string(),
    contentWarning: z.string().nullable(),
    publishedAt: z.date(),
    editedAt: z.date().nullable(),
  })
  .readonly();
export type CommentDto = z.infer<typeof CommentDto>;

/** A fediverse comment in the admins' moderation list. */
export const ModeratedCommentDto = CommentDto.and(
  z.object({ inReplyTo: z.string(), hidden: z.boolean() }),
).readonly();
export type ModeratedCommentDto = z.infer<typeof ModeratedCommentDto>;

export const BlockDto = z
  .object({
    id,
    kind: z.enum(['domain', 'actor']),
    value: z.string(),
    reason: z.string().nullable(),
    createdAt: z.date(),
  })
  .readonly();
export type BlockDto = z.infer<typeof BlockDto>;

export const ReportDto = z
  .object({
    id,
    /** The member who reported, or the remote server's actor for a `Flag`. */
    reporter: AccountRefDto.nullable(),
    reporterEmail: z.string().nullable(),
    target: AccountRefDto,
    statuses: z.array(StatusDto).readonly(),
    /** Reported object URIs we do not have. */
    otherUris: z.array(z.string()).readonly(),
    comment: z.string(),
    status: z.enum(['open', 'resolved']),
    resolutionNote: z.string().nullable(),
    resolvedAt: z.date().nullable(),
    createdAt: z.date(),
    fromRemote: z.boolean(),
  })
  .readonly();
export type ReportDto = z.infer<typeof ReportDto>;

/** What a member types in the compose box. */
export const ComposeInputDto = z
  .object({
    content: z.string(),
    contentWarning: z.string().nullable(),
    visibility: apVisibility,
    /** `ap_objects.id` of the post replied to. */
    inReplyToId: id.nullable(),
  })
  .readonly();
export type ComposeInputDto = z.infer<typeof ComposeInputDto>;

// ---- account -----------------------------------------------------------------------------

export const ProfileDto = z
  .object({
    id,
    email: z.string(),
    displayName: z.string().nullable(),
    username: z.string().nullable(),
    bio: z.string().nullable(),
  })
  .readonly();
export type ProfileDto = z.infer<typeof ProfileDto>;

/** One newsletter on a member's newsletters page. */
export const NewsletterChoiceDto = z
  .object({
    newsletter: NewsletterDto,
    subscribed: z.boolean(),
    /** Changed here and not yet taken by Ghost (the job runner keeps trying). */
    pending: z.boolean(),
  })
  .readonly();
export type NewsletterChoiceDto = z.infer<typeof NewsletterChoiceDto>;

export const NewsletterChoicesDto = z
  .object({
    /** Whether choices are written to Ghost (else they stay in our database). */
    ghost: z.boolean(),
    choices: z.array(NewsletterChoiceDto).readonly(),
    /** Why the last write-back to Ghost failed, while one is pending. */
    lastError: z.string().nullable(),
  })
  .readonly();
export type NewsletterChoicesDto = z.infer<typeof NewsletterChoicesDto>;

/** Outcome of a member's newsletter toggle. */
export type SetNewsletterResult =
  | { readonly ok: true; readonly subscribed: boolean; readonly writeBack: 'none' | 'delivered' | 'pending' }
  | { readonly ok: false; readonly reason: 'not-found' };

/** Outcome of one write-back of a member's choices (and e-mail) to their Ghost member. */
export type GhostWritebackResult =
  | { readonly outcome: 'delivered'; readonly ghostMemberId: string }
  | { readonly outcome: 'nothing-due' | 'no-ghost' | 'closed' };

/** A ticket on the member's tickets page, with what became of it and the order it came from. */
export const MemberTicketDto = z
  .object({
    ticket: TicketDetailDto,
    /** `refunded` when its order was refunded, else the ticket's own state. */
    state: z.enum(['valid', 'used', 'cancelled', 'refunded']),
    order: z.object({ number: z.string(), status: OrderStatusDto }).readonly().nullable(),
    /** The entry has ended. */
    past: z.boolean(),
  })
  .readonly();
export type MemberTicketDto = z.infer<typeof MemberTicketDto>;

/** One signed-in browser: its apps' sessions under one single sign-on session. */
export const DeviceSessionDto = z
  .object({
    /** Opaque, stable handle for signing it out (a hash: never a session id). */
    id: z.string(),
    apps: z.array(z.string()).readonly(),
    createdAt: z.date().nullable(),
    lastSeenAt: z.date().nullable(),
    userAgent: z.string().nullable(),
    /** The browser asking. */
    current: z.boolean(),
  })
  .readonly();
export type DeviceSessionDto = z.infer<typeof DeviceSessionDto>;

export const CalendarFeedStatusDto = z
  .object({ active: z.boolean(), createdAt: z.date().nullable(), lastUsedAt: z.date().nullable() })
  .readonly();
export type CalendarFeedStatusDto = z.infer<typeof CalendarFeedStatusDto>;

/** What the private calendar feed holds: the member's bookings and tickets. */
export const CalendarFeedDto = z
  .object({
    userId: id,
    bookings: z.array(BookingDetailDto).readonly(),
    tickets: z.array(TicketDetailDto).readonly(),
  })
  .readonly();
export type CalendarFeedDto = z.infer<typeof CalendarFeedDto>;

/** The dashboard: who the member is and a little of everything, each linking to its page. */
export const DashboardDto = z
  .object({
    profile: ProfileDto,
    /** `@name@host`, null until a username is chosen in the social hub. */
    handle: z.string().nullable(),
    avatarUrl: z.string().nullable(),
    upcomingBookings: z.array(BookingDetailDto).readonly(),
    upcomingTickets: z.array(MemberTicketDto).readonly(),
    recentOrders: z.array(OrderSummaryDto).readonly(),
    newsletters: z
      .object({
        subscribed: z.array(z.string()).readonly(),
        total: z.number().int(),
        pending: z.number().int(),
      })
      .readonly(),
    unreadNotifications: z.number().int().nonnegative(),
  })
  .readonly();
export type DashboardDto = z.infer<typeof DashboardDto>;

/** A confirmation mailed to the member (the caller sends the mail with the token). */
export type ConfirmationRequestResult =
  | {
      readonly ok: true;
      readonly token: string;
      /** The member's address now (told about an e-mail change; asked to confirm a closure). */
      readonly email: string;
      /** The new address (e-mail change only): the link goes there. */
      readonly newEmail: string | null;
      readonly expiresAt: Date;
    }
  | { readonly ok: false; readonly reason: 'not-found' | 'same' | 'taken' | 'too-many' };

/** A live confirmation link, shown before it is used (GET shows a button). */
export const PendingConfirmationDto = z
  .object({
    purpose: z.enum(['email-change', 'close-account']),
    userId: id,
    email: z.string(),
    newEmail: z.string().nullable(),
    expiresAt: z.date(),
  })
  .readonly();
export type PendingConfirmationDto = z.infer<typeof PendingConfirmationDto>;

export type ConfirmEmailChangeResult =
  | { readonly ok: true; readonly userId: number; readonly oldEmail: string; readonly newEmail: string }
  | { readonly ok: false; readonly reason: 'invalid' | 'taken' };

export type CloseAccountResult =
  | {
      readonly ok: true;
      readonly userId: number;
      /** The address the account had (the goodbye mail goes there). */
      readonly email: string;
      /** The Ghost member to erase (`account.finish-closure`), if one was linked. */
      readonly ghostMemberId: string | null;
    }
  | { readonly ok: false; readonly reason: 'invalid' };

/** A provider (single sign-on) session: one browser signed in, and the apps it signed in to. */
export const SignInSessionDto = z
  .object({
    /** The provider session's stable uid. */
    uid: z.string(),
    createdAt: z.date().nullable(),
    expiresAt: z.date().nullable(),
    /** Client app → the session id (`sid`) the provider gave it. */
    clients: z.array(z.object({ client: z.string(), sid: z.string() }).readonly()).readonly(),
  })
  .readonly();
export type SignInSessionDto = z.infer<typeof SignInSessionDto>;

/** Everything the social hub holds about one member (their data export). */
export const SocialExportDto = z
  .object({
    actorUri: z.string().nullable(),
    posts: z.array(z.record(z.string(), z.unknown())).readonly(),
    following: z.array(z.record(z.string(), z.unknown())).readonly(),
    followers: z.array(z.record(z.string(), z.unknown())).readonly(),
    likesAndBoosts: z.array(z.record(z.string(), z.unknown())).readonly(),
    notifications: z.array(z.record(z.string(), z.unknown())).readonly(),
    reports: z.array(z.record(z.string(), z.unknown())).readonly(),
    /** Sign-in links asked for with the member's address (times and addresses, no secrets). */
    signInLinks: z.array(z.record(z.string(), z.unknown())).readonly(),
  })
  .readonly();
export type SocialExportDto = z.infer<typeof SocialExportDto>;

/** What closing a member's fediverse presence did (the account app finishes the rest). */
export interface MemberClosureDto {
  readonly username: string | null;
  /** The avatar file to remove from the media folder. */
  readonly avatarPath: string | null;
  /** `Delete` activities recorded (each post, then the actor). */
  readonly deletes: number;
}
