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
    html: nullableString,
    excerpt: nullableString,
    featureImage: nullableString,
    featureImageAlt: nullableString,
    featureImageCaption: nullableString,
    publishedAt: z.date().nullable(),
    updatedAt: z.date(),
    readingTime: z.number().int().nonnegative(),
    metaTitle: nullableString,
    metaDescription: nullableString,
    ogImage: nullableString,
    twitterImage: nullableString,
    canonicalUrl: nullableString,
    /** The primary author, or null. */
    author: AuthorRefDto.nullable(),
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
export type NavItemDto = z.infer<typeof NavItemDto>;

export const NavMenusDto = z
  .object({ primary: z.array(NavItemDto).readonly(), secondary: z.array(NavItemDto).readonly() })
  .readonly();
export type NavMenusDto = z.infer<typeof NavMenusDto>;

/** A row of the editor's post list. */
export const AdminPostDto = z
  .object({
    id,
    title: z.string(),
    slug: z.string(),
    status: postStatus,
    publishedAt: z.date().nullable(),
    updatedAt: z.date(),
    ghostId: nullableString,
  })
  .readonly();
export type AdminPostDto = z.infer<typeof AdminPostDto>;

/** A post as the editor loads it (any status). */
export const EditablePostDto = z
  .object({
    id,
    uuid: z.string(),
    slug: z.string(),
    title: z.string(),
    html: nullableString,
    customExcerpt: nullableString,
    featureImage: nullableString,
    featureImageAlt: nullableString,
    status: postStatus,
    publishedAt: z.date().nullable(),
    updatedAt: z.date(),
    ghostId: nullableString,
    ghostUpdatedAt: z.date().nullable(),
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
      readonly reason: 'conflict' | 'invalid_schedule' | 'not_found' | 'ghost_error';
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
export const SyncStatusDto = z
  .object({
    runs: z.array(SyncRunDto).readonly(),
    /** Stored Ghost webhook deliveries not applied yet. */
    pendingDeliveries: z.number().int().nonnegative(),
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
    sku: z.string().nullable(),
    productId: id.nullable(),
    ticketTypeId: id.nullable(),
    quantity: z.number().int().positive(),
    unitPricePence: z.number().int().nonnegative(),
    lineTotalPence: z.number().int().nonnegative(),
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

// ---- calendar ----------------------------------------------------------------------------

export const ContainerRefDto = z.object({ type: z.enum(['post', 'market']), id }).readonly();
export type ContainerRefDto = z.infer<typeof ContainerRefDto>;

export const CalendarEntrySummaryDto = z
  .object({
    id,
    slug: z.string(),
    title: z.string(),
    summary: z.string().nullable(),
    startsAt: z.date(),
    endsAt: z.date().nullable(),
    timezone: z.string(),
    locationName: z.string().nullable(),
    calendar: z.object({ id, slug: z.string(), name: z.string() }).readonly(),
  })
  .readonly();
export type CalendarEntrySummaryDto = z.infer<typeof CalendarEntrySummaryDto>;

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

// ---- federation (social hub) ------------------------------------------------------------

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
