/**
 * One typed protocol per domain. Apps never call each other over HTTP for domain logic: they
 * call these through `app.services` (see shared/src/services/registry.ts). Only methods with a
 * real implementation are declared; more arrive with their domain's issue.
 */
import type { AppName } from '../config/app-names.ts';
import type { DatabaseLike } from '../db/client.ts';
import type {
  AddItemDto,
  AddItemResult,
  AdminPostDto,
  ArticleLookup,
  AuthorDto,
  CalendarEntrySummaryDto,
  CartOwnerDto,
  CartSummaryDto,
  CheckoutInputDto,
  CheckoutResult,
  ContainerRefDto,
  EditablePostDto,
  EditorActionDto,
  IssueTicketsInputDto,
  IssueTicketsResult,
  MarketDto,
  MergeCartResult,
  NavItemDto,
  NavMenusDto,
  OrderActionResult,
  OrderDto,
  OrderPageDto,
  OrderStatusDto,
  OrderSummaryDto,
  PostDto,
  PostInputDto,
  PostPageDto,
  ProductDto,
  ProfileDto,
  ReserveResult,
  SavePostResult,
  SearchPageDto,
  SetQuantityResult,
  StockLine,
  SyncStatusDto,
  TagDto,
  WriterDto,
} from './dtos.ts';

export interface BlogService {
  // ---- reading (what anonymous readers may see: published, live, public tags) -------------
  /** Published posts (type post), newest first, optionally within a tag or an author. */
  listPosts(opts: {
    page?: number;
    perPage: number;
    tagSlug?: string;
    authorSlug?: string;
  }): Promise<PostPageDto>;
  /** A published post or page by slug (posts and pages share Ghost's URL space), or null. */
  getPublishedBySlug(slug: string): Promise<PostDto | null>;
  /** Every published post and page (sitemap), or the newest `limit` (feeds), newest first. */
  listAllPublished(opts?: { limit?: number; type?: 'post' | 'page' }): Promise<readonly PostDto[]>;
  /** Full-text search over published posts and pages, ranked, with highlighted snippets. */
  search(q: string, opts: { page?: number; perPage: number }): Promise<SearchPageDto>;
  /** A public tag by slug, or null. */
  getTag(slug: string): Promise<TagDto | null>;
  /** An author by slug, or null. */
  getAuthor(slug: string): Promise<AuthorDto | null>;
  listTags(): Promise<readonly TagDto[]>;
  listAuthors(): Promise<readonly AuthorDto[]>;
  /** A site menu in display order. */
  getNavigation(menu: 'primary' | 'secondary'): Promise<readonly NavItemDto[]>;
  /** The ActivityPub `Article` of a post by its uuid, its Tombstone once it went, or nothing. */
  getArticle(uuid: string): Promise<ArticleLookup>;

  // ---- writing (admins, through the editor) ------------------------------------------------
  /** Posts for the editor's list, newest change first, optionally of one status. */
  listAdminPosts(status?: 'draft' | 'scheduled' | 'published'): Promise<readonly AdminPostDto[]>;
  /** How many posts have each status. */
  countPostsByStatus(): Promise<Readonly<Record<'draft' | 'scheduled' | 'published', number>>>;
  /** A post (any status) for the editor, or null. */
  getEditablePost(id: number): Promise<EditablePostDto | null>;
  /**
   * Creates (id null) or updates a post and applies the action; with Ghost configured the
   * change is written to Ghost first (a collision changes nothing here). Purges the pages
   * showing it and tells the fediverse (Create / Update / Delete).
   */
  savePost(args: {
    id: number | null;
    input: PostInputDto;
    action: EditorActionDto;
    writer: WriterDto | null;
  }): Promise<SavePostResult>;
  /** Deletes a post (in Ghost too), purges its pages and sends `Delete`. */
  deletePost(id: number): Promise<SavePostResult>;
  /** Publishes scheduled posts whose time has come and announces them; returns how many. */
  publishDue(now?: Date): Promise<number>;
  /** Both menus, for the navigation admin. */
  getMenus(): Promise<NavMenusDto>;
  /** Replaces both menus; drops the `nav` fragment and the cached pages so it shows at once. */
  saveMenus(menus: { primary: readonly NavItemDto[]; secondary: readonly NavItemDto[] }): Promise<void>;
  /** Recent Ghost sync runs and the webhook deliveries still to apply. */
  getSyncStatus(): Promise<SyncStatusDto>;
}

export interface MarketService {
  /** Markets in display order. */
  listMarkets(): Promise<readonly MarketDto[]>;
  /** Products by SKU; unknown SKUs are simply absent from the result. */
  getProductsBySku(skus: readonly string[], tx?: DatabaseLike): Promise<readonly ProductDto[]>;
  /**
   * Takes stock for an unpaid order (products by id): every line or none, each with a
   * conditional `UPDATE … WHERE stock_quantity >= qty` (untracked stock always succeeds), priced
   * at this moment. In the caller's transaction when given (a savepoint).
   */
  reserveStock(items: readonly StockLine[], tx?: DatabaseLike): Promise<ReserveResult>;
  /** Gives held stock back (a failed or expired payment). */
  releaseStock(items: readonly StockLine[], tx?: DatabaseLike): Promise<void>;
}

export interface CartService {
  /** The owner's cart totals and lines (an empty summary when there is no cart). */
  getCartSummary(owner: CartOwnerDto): Promise<CartSummaryDto>;
  /**
   * Adds a product or ticket line (bumping the quantity when already there), creating the cart
   * when needed, and invalidates that cart's `cart-mini` fragment.
   */
  addItem(owner: CartOwnerDto, item: AddItemDto): Promise<AddItemResult>;
  /** Sets one line's quantity (never above what is left); drops the cart's `cart-mini`. */
  setQuantity(owner: CartOwnerDto, lineId: number, quantity: number): Promise<SetQuantityResult>;
  /** Removes one line (nothing when it is not the owner's); drops the cart's `cart-mini`. */
  removeLine(owner: CartOwnerDto, lineId: number): Promise<CartSummaryDto>;
  /**
   * Moves an anonymous cart into the member's live cart (quantities summed, capped by what is
   * left) and retires the anonymous key. Idempotent: a second call finds nothing to merge.
   */
  mergeAnonymousCart(cartKey: string, userId: number): Promise<MergeCartResult>;
  /**
   * Turns the owner's cart into an order: a human-readable number, lines priced now, and the
   * stock of every line held in the same transaction (products through the market, ticket
   * places through the calendar). A line that cannot be held fails the whole checkout, naming
   * it; nothing is half-held. The cart is emptied on success.
   */
  checkout(owner: CartOwnerDto, input: CheckoutInputDto): Promise<CheckoutResult>;
  /** An order by number, with lines, tickets and payment attempts; null when there is none. */
  getOrder(number: string): Promise<OrderDto | null>;
  /** A member's orders, newest first (account's order history). */
  getOrdersForUser(userId: number, opts?: { limit?: number }): Promise<readonly OrderSummaryDto[]>;
  /** The admin list: by status (or `flagged`), searched by number, e-mail or name, newest first. */
  listOrders(opts: {
    status?: OrderStatusDto | 'flagged';
    q?: string;
    page?: number;
    perPage: number;
  }): Promise<OrderPageDto>;
  /** A paid order was collected or dispatched. */
  markFulfilled(number: string): Promise<OrderActionResult>;
  /** A refund made in SumUp's dashboard is noted on a paid or fulfilled order. */
  noteRefund(number: string, note: string): Promise<OrderActionResult>;
  /** An admin looked at a flagged order and cleared the flag (with a note kept in the reason). */
  clearFlag(number: string): Promise<OrderActionResult>;
}

export interface CalendarService {
  /** A container's (post or market) upcoming scheduled entries, soonest first. */
  listUpcomingForContainer(
    container: ContainerRefDto,
    limit: number,
  ): Promise<readonly CalendarEntrySummaryDto[]>;
  /** All upcoming scheduled entries, soonest first. */
  listUpcoming(limit: number): Promise<readonly CalendarEntrySummaryDto[]>;
  /**
   * Issues tickets for paid order items: one ticket with a unique code per unit, bumping
   * `ticket_types.sold`, all in one transaction (the caller's, when given). Idempotent per order
   * item: calling again returns the tickets already issued.
   */
  issueTickets(input: IssueTicketsInputDto, tx?: DatabaseLike): Promise<IssueTicketsResult>;
  /**
   * Holds places of ticket types for an unpaid order: every line or none, each with a
   * conditional `UPDATE … WHERE sold + reserved + qty <= quantity`, priced at this moment;
   * cancelled or past entries are refused. In the caller's transaction when given.
   */
  reserveTickets(items: readonly StockLine[], tx?: DatabaseLike): Promise<ReserveResult>;
  /**
   * Gives held places back (a failed or expired payment), or turns them into sold ones just
   * before `issueTickets` counts them (a paid order): either way `reserved` goes down.
   */
  releaseTickets(items: readonly StockLine[], tx?: DatabaseLike): Promise<void>;
}

export interface AccountService {
  /** A member's profile, or null. */
  getProfile(userId: number): Promise<ProfileDto | null>;
}

export interface EmitActivityInput {
  /** Who sends it: an app's Service actor or a member's Person actor. */
  actor: { app: AppName } | { userId: number };
  type: 'Create' | 'Update' | 'Delete' | 'Announce' | 'Like' | 'Follow' | 'Undo' | 'Accept' | 'Reject';
  /** The object (AS2 JSON, without @context), or an object/activity URI for Like/Announce/Undo/Follow. */
  object: Record<string, unknown> | string;
  to?: string[];
  cc?: string[];
}
export interface FederationService {
  /** Records an outgoing activity in ap_activities (status pending) in the caller's transaction; the EventProcessor delivers it. */
  emit(input: EmitActivityInput, tx?: DatabaseLike): Promise<{ activityId: string }>;
  /** Public actor URI of an app's Service actor or a member's Person actor (by username). */
  actorUri(actor: { app: AppName } | { username: string }): string;
}
