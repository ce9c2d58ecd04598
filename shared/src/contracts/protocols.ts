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
  CategoryDto,
  ContainerRefDto,
  EditablePostDto,
  EditorActionDto,
  IssueTicketsInputDto,
  IssueTicketsResult,
  MarketAdminDto,
  MarketDto,
  MarketInputDto,
  NavItemDto,
  NavMenusDto,
  PostDto,
  PostInputDto,
  PostPageDto,
  ProductDetailDto,
  ProductDto,
  ProductListingDto,
  ProductSortDto,
  ProductSummaryDto,
  ProfileDto,
  SaveMarketResult,
  SavePostResult,
  ScrapeOutcomeDto,
  ScrapeRunDto,
  SearchPageDto,
  SitemapEntriesDto,
  SupplierDto,
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

  // ---- market pages (what shoppers see) ---------------------------------------------------
  /** A market by slug, or null. */
  getMarket(slug: string): Promise<MarketDto | null>;
  /** A category by slug, or null. */
  getCategory(slug: string): Promise<CategoryDto | null>;
  /**
   * Active products, optionally of one market and one category, optionally matching a search
   * (full text over name, description, category and supplier: websearch syntax, prefix match
   * on the last word, accents folded where the database can), sorted and paginated, with
   * counts per category. Any query string is safe.
   */
  listProducts(opts: {
    marketSlug?: string;
    categorySlug?: string;
    q?: string;
    sort?: ProductSortDto;
    page?: number;
    perPage: number;
  }): Promise<ProductListingDto>;
  /** A product by slug, active or not (a page that once worked keeps working), or null. */
  getProductBySlug(slug: string): Promise<ProductDetailDto | null>;
  /** Other active products of the same category (else the same supplier), for a product page. */
  listRelatedProducts(productId: number, limit: number): Promise<readonly ProductSummaryDto[]>;
  /** Product cards: the given SKUs in the order given, or a market's first active products. */
  getProductCards(
    query: { skus: readonly string[] } | { marketSlug: string; limit: number },
  ): Promise<readonly ProductSummaryDto[]>;
  /** Markets, their categories and every product (active or not), for /sitemap.xml. */
  listSitemapEntries(): Promise<SitemapEntriesDto>;
  /** Whether search folds accents here (false on a database without `unaccent`). */
  searchCapabilities(): Promise<{ accentInsensitive: boolean }>;

  // ---- admin ------------------------------------------------------------------------------
  listMarketsForAdmin(): Promise<readonly MarketAdminDto[]>;
  getMarketForAdmin(id: number): Promise<MarketAdminDto | null>;
  /** Creates (id null) or updates a market and which suppliers it carries; purges its pages. */
  saveMarket(id: number | null, input: MarketInputDto): Promise<SaveMarketResult>;
  listSuppliers(): Promise<readonly SupplierDto[]>;

  // ---- scraping (the market app's scrapers write through these) ----------------------------
  /** Creates or updates a supplier from its scraper's configuration. */
  ensureSupplier(input: { slug: string; name: string; website: string | null }): Promise<SupplierDto>;
  /** Records a new run (status running) and returns its id. */
  startScrapeRun(supplierSlug: string, trigger: ScrapeRunDto['trigger']): Promise<number>;
  /**
   * Ends a run. A succeeded run upserts its items by (supplier, SKU) in one transaction, writes
   * price history, deactivates (never deletes) what a complete run did not see, announces the
   * new products in one `Create(Note)`, and purges the pages and product cards showing them. A
   * failed run changes no product. Returns the run as recorded.
   */
  finishScrapeRun(runId: number, outcome: ScrapeOutcomeDto): Promise<ScrapeRunDto>;
  /** Recent runs, newest first, optionally of one supplier. */
  listScrapeRuns(opts: { limit: number; supplierSlug?: string }): Promise<readonly ScrapeRunDto[]>;
  /** The `Note` a run announced its new products with (for its id to dereference), or null. */
  getAnnouncement(runId: number): Promise<Readonly<Record<string, unknown>> | null>;
}

export interface CartService {
  /** The owner's cart totals and lines (an empty summary when there is no cart). */
  getCartSummary(owner: CartOwnerDto): Promise<CartSummaryDto>;
  /**
   * Adds a product or ticket line (bumping the quantity when already there), creating the cart
   * when needed, and invalidates that cart's `cart-mini` fragment.
   */
  addItem(owner: CartOwnerDto, item: AddItemDto): Promise<AddItemResult>;
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
