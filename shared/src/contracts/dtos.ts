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
