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
  BlockDto,
  BookingDetailDto,
  BookingDto,
  BookSeatsResult,
  CalendarAdminResult,
  CalendarDto,
  CalendarEntryDto,
  CalendarEntrySummaryDto,
  CalendarFeedDto,
  CalendarFeedStatusDto,
  CalendarInputDto,
  CancelBookingResult,
  CartOwnerDto,
  CartSummaryDto,
  CategoryDto,
  CheckoutInputDto,
  CheckoutResult,
  CloseAccountResult,
  CommentDto,
  ComposeInputDto,
  ConfirmationRequestResult,
  ConfirmEmailChangeResult,
  ContainerRefDto,
  DashboardDto,
  DeviceSessionDto,
  EditablePostDto,
  EditorActionDto,
  EntryBookingRowDto,
  EntryInputDto,
  EventObjectLookup,
  FollowListDto,
  FollowRequestDto,
  GhostWritebackResult,
  IssueTicketsInputDto,
  IssueTicketsResult,
  MarketAdminDto,
  MarketDto,
  MarketInputDto,
  MemberClosureDto,
  MemberDto,
  MemberTicketDto,
  MergeCartResult,
  ModeratedCommentDto,
  NavItemDto,
  NavMenusDto,
  NewsletterChoicesDto,
  NewsletterDto,
  NotificationPageDto,
  OrderActionResult,
  OrderDto,
  OrderPageDto,
  OrderStatusDto,
  OrderSummaryDto,
  PendingConfirmationDto,
  PostDto,
  PostInputDto,
  PostPageDto,
  ProductDetailDto,
  ProductDto,
  ProductListingDto,
  ProductSortDto,
  ProductSummaryDto,
  ProfileDto,
  RemoteAccountDto,
  ReportDto,
  ReserveResult,
  SaveMarketResult,
  SavePostResult,
  ScrapeOutcomeDto,
  ScrapeRunDto,
  SearchPageDto,
  SetNewsletterResult,
  SetQuantityResult,
  SignInSessionDto,
  SitemapEntriesDto,
  SocialExportDto,
  StatusDto,
  StockLine,
  SupplierDto,
  SyncStatusDto,
  TagDto,
  ThreadDto,
  TicketCheckResult,
  TicketDetailDto,
  TicketTypeDto,
  TicketTypeInputDto,
  TimelinePageDto,
  UseTicketResult,
  ViewerDto,
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
  /**
   * A published post or page by slug (posts and pages share Ghost's URL space), or null. The
   * body is whole when `viewer` may read it (members-only: signed in; paid: staff), else the
   * public preview with `locked` saying who may read the rest. Without a viewer: anonymous.
   */
  getPublishedBySlug(slug: string, viewer?: ViewerDto): Promise<PostDto | null>;
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
  /** Active newsletters members can subscribe to, in Ghost's order. */
  listNewsletters(): Promise<readonly NewsletterDto[]>;
  /** The ActivityPub `Article` of a post by its uuid, its Tombstone once it went, or nothing. */
  getArticle(uuid: string): Promise<ArticleLookup>;

  // ---- writing (admins, through the editor) ------------------------------------------------
  /** Posts (or pages) for the editor's list, newest change first, optionally of one status. */
  listAdminPosts(
    status?: 'draft' | 'scheduled' | 'published',
    type?: 'post' | 'page',
  ): Promise<readonly AdminPostDto[]>;
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
  /** Recent Ghost sync runs, the webhook deliveries still to apply or given up on, and drift. */
  getSyncStatus(): Promise<SyncStatusDto>;
  /** Makes a failed delivery pending again (the caller sends its job); false when unknown. */
  retryWebhookDelivery(id: number): Promise<boolean>;
  /** Drops a failed delivery for good; false when unknown or not failed. */
  discardWebhookDelivery(id: number): Promise<boolean>;
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
  /** Product cards: the given SKUs or slugs in the order given, or a market's first active products. */
  getProductCards(
    query: { skus: readonly string[] } | { slugs: readonly string[] } | { marketSlug: string; limit: number },
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

  // ---- account (a member's tickets link their orders; closing an account) -------------------
  /** Number and status of orders by id (unknown ids are absent). */
  getOrderRefs(
    orderIds: readonly number[],
  ): Promise<readonly { readonly id: number; readonly number: string; readonly status: OrderStatusDto }[]>;
  /**
   * Closing an account: the member's orders stay (accounting) with their personal data removed
   * (e-mail, name, address, notes) and no longer linked to them; their carts go. In the
   * caller's transaction when given.
   */
  forgetCustomer(userId: number, tx?: DatabaseLike): Promise<{ orders: number }>;
}

/** Filters of the upcoming list (events home page). */
export interface UpcomingFilters {
  /** Only this calendar's entries. */
  calendarSlug?: string;
  /** Free (free booking or no booking) or paid (ticketed) entries only. */
  price?: 'free' | 'paid';
  /** Only entries starting before the end of this week / month (site time zone). */
  within?: 'week' | 'month';
}

export interface CalendarService {
  // ---- reading --------------------------------------------------------------------------
  /** A container's (post, page or market) upcoming scheduled entries, soonest first. */
  listUpcomingForContainer(
    container: ContainerRefDto,
    limit: number,
  ): Promise<readonly CalendarEntrySummaryDto[]>;
  /** Upcoming scheduled entries of live (not archived) calendars, soonest first, optionally filtered. */
  listUpcoming(limit: number, filters?: UpcomingFilters): Promise<readonly CalendarEntrySummaryDto[]>;
  /** Calendars by name; archived ones only when asked. */
  listCalendars(options?: { includeArchived?: boolean }): Promise<readonly CalendarDto[]>;
  /** A calendar by slug (archived ones too: their pages and feeds stay), or null. */
  getCalendar(slug: string): Promise<CalendarDto | null>;
  getCalendarById(id: number): Promise<CalendarDto | null>;
  /**
   * A calendar's entries (cancelled ones too) overlapping [from, to), soonest first; either
   * bound may be left open. The month view, the list view and the iCal feed read this.
   */
  listCalendarEntries(
    calendarId: number,
    range: { from?: Date; to?: Date; limit?: number },
  ): Promise<readonly CalendarEntrySummaryDto[]>;
  /** Like listCalendarEntries, with every detail (the iCal feed). */
  listEntryDetails(
    calendarId: number,
    range: { from?: Date; to?: Date; limit?: number },
  ): Promise<readonly CalendarEntryDto[]>;
  /** An entry by its calendar's slug and its own, with ticket types, or null. */
  getEntry(calendarSlug: string, entrySlug: string): Promise<CalendarEntryDto | null>;
  getEntryById(id: number): Promise<CalendarEntryDto | null>;

  // ---- bookings (free entries) -----------------------------------------------------------
  /**
   * Books `seats` for a member, or changes the seats of their confirmed booking to `seats`.
   * Capacity holds under concurrency (one conditional update in one transaction); the member's
   * limit and the entry's start close it. Purges the pages and the container widget showing it.
   */
  bookSeats(input: { entryId: number; userId: number; seats: number }): Promise<BookSeatsResult>;
  /** Cancels a member's booking until the configured cut-off, releasing its seats. */
  cancelBooking(input: { bookingId: number; userId: number }): Promise<CancelBookingResult>;
  /** A member's confirmed booking of one entry, or null. */
  getMemberBooking(entryId: number, userId: number): Promise<BookingDto | null>;
  /** A member's bookings with their entries: upcoming first, then past (account). */
  listMemberBookings(userId: number): Promise<readonly BookingDetailDto[]>;
  /** One booking with its entry and booker (the confirmation e-mail), or null. */
  getBookingDetail(bookingId: number): Promise<BookingDetailDto | null>;
  /** Every booking of an entry, confirmed first (admin list and CSV). */
  listEntryBookings(entryId: number): Promise<readonly EntryBookingRowDto[]>;

  // ---- tickets --------------------------------------------------------------------------
  /**
   * Issues tickets for paid order items: one ticket with a unique code per unit, bumping
   * `ticket_types.sold`, all in one transaction (the caller's, when given). Idempotent per order
   * item: calling again returns the tickets already issued.
   */
  issueTickets(input: IssueTicketsInputDto, tx?: DatabaseLike): Promise<IssueTicketsResult>;
  /** A member's tickets with their entries, soonest entry first (account). */
  listMemberTickets(userId: number): Promise<readonly TicketDetailDto[]>;
  /** The tickets of one order (the tickets e-mail). */
  listOrderTickets(orderId: number): Promise<readonly TicketDetailDto[]>;
  /** What a typed or scanned code (or a check URL holding one) is; malformed codes are unknown. */
  checkTicket(code: string): Promise<TicketCheckResult>;
  /** Marks a valid ticket used, once (a conditional update: two doors cannot both admit it). */
  useTicket(code: string): Promise<UseTicketResult>;

  // ---- admin ----------------------------------------------------------------------------
  createCalendar(input: {
    container: ContainerRefDto;
    slug: string;
    calendar: CalendarInputDto;
  }): Promise<CalendarAdminResult<CalendarDto>>;
  updateCalendar(id: number, calendar: CalendarInputDto): Promise<CalendarAdminResult<CalendarDto>>;
  /** Archives (or restores) a calendar: it leaves listings, its pages and feeds stay. */
  setCalendarArchived(id: number, archived: boolean): Promise<CalendarAdminResult<CalendarDto>>;
  /**
   * Creates an entry, or (with `repeatWeeklyUntil`) one per week on the same weekday and local
   * time up to that date, sharing a series id. Announces each as `Create(Event)`.
   */
  createEntry(input: {
    calendarId: number;
    slug: string;
    entry: EntryInputDto;
    repeatWeeklyUntil?: Date | null;
  }): Promise<CalendarAdminResult<readonly CalendarEntryDto[]>>;
  /** Edits an entry (its slug and iCal UID stay), bumps SEQUENCE and announces `Update(Event)`. */
  updateEntry(id: number, entry: EntryInputDto): Promise<CalendarAdminResult<CalendarEntryDto>>;
  /** A copy (with its ticket types, nothing sold) under a new slug, a week later. */
  duplicateEntry(id: number): Promise<CalendarAdminResult<CalendarEntryDto>>;
  /**
   * Cancels an entry with a note for its bookers; announces `Update` with `ical:status
   * CANCELLED`. Returns the bookings to notify (the events app e-mails them).
   */
  cancelEntry(
    id: number,
    note: string,
  ): Promise<CalendarAdminResult<{ entry: CalendarEntryDto; notify: readonly BookingDetailDto[] }>>;
  /** Deletes an entry no ticket was issued for and announces `Delete` (its URL then answers 410). */
  deleteEntry(id: number): Promise<CalendarAdminResult<{ calendarSlug: string }>>;
  addTicketType(entryId: number, input: TicketTypeInputDto): Promise<CalendarAdminResult<TicketTypeDto>>;
  /** Edits a ticket type; its quantity may not go below what was sold. */
  updateTicketType(id: number, input: TicketTypeInputDto): Promise<CalendarAdminResult<TicketTypeDto>>;
  /** Removes a ticket type nothing was sold of. */
  deleteTicketType(id: number): Promise<CalendarAdminResult<{ entryId: number }>>;

  // ---- fediverse ------------------------------------------------------------------------
  /** The ActivityStreams `Event` served at an entry's URL, its Tombstone once deleted, or nothing. */
  getEventObject(calendarSlug: string, entrySlug: string): Promise<EventObjectLookup>;

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

  // ---- account (closing an account) ---------------------------------------------------------
  /**
   * Closing an account: upcoming confirmed bookings are cancelled (their seats released, with
   * no cut-off), then the member's bookings removed; their tickets stay valid (they were paid
   * for) with the holder's details removed. In the caller's transaction when given; pages
   * showing places left are purged when not.
   */
  forgetMember(userId: number, tx?: DatabaseLike): Promise<{ bookingsCancelled: number; tickets: number }>;
}

export interface AccountService {
  /** A member's profile, or null (closed accounts too). */
  getProfile(userId: number): Promise<ProfileDto | null>;
  /** The dashboard: profile, handle and a summary of bookings, tickets, orders and newsletters. */
  getDashboard(userId: number): Promise<DashboardDto | null>;

  // ---- profile ------------------------------------------------------------------------------
  /** Sets the display name everywhere (followers get `Update(Person)` when there is an actor). */
  setDisplayName(userId: number, displayName: string | null): Promise<void>;
  /**
   * Starts an e-mail change: a single-use link for the new address (the caller mails it, and
   * tells the old address). Refused when the address is the member's already, belongs to
   * another account, or too many changes were asked for lately.
   */
  requestEmailChange(userId: number, newEmail: string): Promise<ConfirmationRequestResult>;
  /** Starts closing the account: a single-use link for the member's address (the caller mails it). */
  requestClosure(userId: number): Promise<ConfirmationRequestResult>;
  /** A live confirmation link (unused, unexpired), without using it; null otherwise. */
  findConfirmation(token: string): Promise<PendingConfirmationDto | null>;
  /** Uses an e-mail change link: the address changes (its Ghost member's too, by write-back). */
  confirmEmailChange(token: string): Promise<ConfirmEmailChangeResult>;
  /**
   * Uses a closing link: orders kept with personal data removed, bookings and the social
   * presence closed (`Delete` for posts and actor), every personal row deleted, the user row
   * left as an empty tombstone. The caller ends the sessions and queues `account.finish-closure`.
   */
  closeAccount(token: string): Promise<CloseAccountResult>;

  // ---- newsletters --------------------------------------------------------------------------
  /** The blog's newsletters with the member's choice and whether it still waits for Ghost. */
  listNewsletters(userId: number): Promise<NewsletterChoicesDto>;
  /**
   * Saves a choice here, then (Ghost configured, a Ghost newsletter) tries to write it to the
   * Ghost member at once; when Ghost does not take it the choice stays pending for the job.
   */
  setNewsletter(userId: number, newsletterId: number, subscribed: boolean): Promise<SetNewsletterResult>;
  /**
   * Writes the member's choices and e-mail to their Ghost member (found by e-mail, created
   * when absent; choices never made here keep Ghost's value). Throws when Ghost fails, so the
   * job runner retries.
   */
  writeBackToGhost(userId: number): Promise<GhostWritebackResult>;
  /**
   * Members with a write-back still due and nothing tried for `idleSeconds` (their job ran out
   * of retries or was lost): the sweep re-queues them.
   */
  listPendingWritebacks(limit: number, idleSeconds?: number): Promise<readonly number[]>;
  /** Deletes confirmation links that expired or were used more than a day ago; returns how many. */
  purgeConfirmations(): Promise<number>;

  // ---- tickets, bookings, orders ------------------------------------------------------------
  listTickets(userId: number): Promise<readonly MemberTicketDto[]>;
  /** One of the member's tickets, or null (another member's too). */
  getTicket(userId: number, ticketId: number): Promise<MemberTicketDto | null>;
  /** The member's bookings: upcoming first (soonest first), then past. */
  listBookings(userId: number): Promise<readonly BookingDetailDto[]>;
  /** Cancels one of the member's bookings (up to the cut-off), releasing its seats in events. */
  cancelBooking(userId: number, bookingId: number): Promise<CancelBookingResult>;
  listOrders(userId: number): Promise<readonly OrderSummaryDto[]>;

  // ---- private calendar feed ----------------------------------------------------------------
  getCalendarFeedStatus(userId: number): Promise<CalendarFeedStatusDto>;
  /** A new secret feed token (any previous one stops working); returned once, only its hash kept. */
  createCalendarFeedToken(userId: number): Promise<{ token: string }>;
  revokeCalendarFeedToken(userId: number): Promise<void>;
  /** The feed's contents for a token, or null for an unknown or revoked one. */
  getCalendarFeed(token: string): Promise<CalendarFeedDto | null>;

  // ---- sessions -----------------------------------------------------------------------------
  /** The browsers signed in: each with its apps, created and last seen; `current` is the asker's. */
  listDevices(
    userId: number,
    current: { app: AppName; sessionId: string } | null,
  ): Promise<readonly DeviceSessionDto[]>;
  /**
   * Signs one browser (a `DeviceSessionDto.id`) or every browser out of every app: the single
   * sign-on session and its grants end, and each app's sessions on it, as back-channel logout
   * ends them. Returns how many app sessions ended.
   */
  signOut(userId: number, device: string | 'all'): Promise<{ ended: number }>;

  // ---- your data ----------------------------------------------------------------------------
  /** Every row held about the member, by domain (their JSON download). */
  exportData(userId: number): Promise<Readonly<Record<string, unknown>>>;
  /**
   * Finishes a closure once its `Delete` activities went out: drops the followers, erases the
   * Ghost member. Returns false while deliveries are still being fanned out (the job retries).
   */
  finishClosure(userId: number, ghostMemberId: string | null): Promise<boolean>;
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
/** Limits for calls that ask another server while a member waits (a lookup, a remote follow). */
export interface RemoteCallOptions {
  timeoutMs: number;
}

/** Outcome of a member's action; `reason` names the expected failure. */
export type SocialResult<R extends string, T = object> =
  | ({ readonly ok: true } & Readonly<T>)
  | { readonly ok: false; readonly reason: R };

export interface FederationService {
  /** Records an outgoing activity in ap_activities (status pending) in the caller's transaction; the EventProcessor delivers it. */
  emit(input: EmitActivityInput, tx?: DatabaseLike): Promise<{ activityId: string }>;
  /** Public actor URI of an app's Service actor or a member's Person actor (by username). */
  actorUri(actor: { app: AppName } | { username: string }): string;

  // ---- social hub: members' profiles -------------------------------------------------------
  /** A member (by user id) with their fediverse profile, or null. */
  getMember(userId: number): Promise<MemberDto | null>;
  /** A member by handle (case-insensitive), or null. */
  getMemberByUsername(username: string): Promise<MemberDto | null>;
  /** Gives a member their handle, once (1–30 of a-z0-9_, unique, not reserved). */
  chooseUsername(
    userId: number,
    username: string,
  ): Promise<
    SocialResult<'invalid' | 'reserved' | 'taken' | 'already_chosen' | 'not_found', { username: string }>
  >;
  /** Display name, bio (plain text) and follower approval; followers get `Update(Person)`. */
  updateProfile(
    userId: number,
    input: { displayName: string | null; bio: string | null; manuallyApprovesFollowers: boolean },
  ): Promise<void>;
  /** Records a stored avatar (a path under the media folder, or null); returns the previous one. */
  setAvatar(userId: number, avatarPath: string | null): Promise<{ previous: string | null }>;

  // ---- timelines (from the database only: no remote request while a page renders) ----------
  homeTimeline(userId: number, opts: { maxId?: number | undefined }): Promise<TimelinePageDto>;
  localTimeline(viewerUserId: number | null, opts: { maxId?: number | undefined }): Promise<TimelinePageDto>;
  /** An account's posts and boosts (a member's profile, a remote account's page). */
  accountTimeline(
    viewerUserId: number | null,
    actorUri: string,
    opts: { maxId?: number | undefined },
  ): Promise<TimelinePageDto>;
  tagTimeline(
    viewerUserId: number | null,
    tag: string,
    opts: { maxId?: number | undefined },
  ): Promise<TimelinePageDto>;
  /** A post with its conversation, if the viewer may see it. */
  getThread(viewerUserId: number | null, objectId: number): Promise<ThreadDto | null>;
  getStatus(viewerUserId: number | null, objectId: number): Promise<StatusDto | null>;

  // ---- compose -----------------------------------------------------------------------------
  /** Publishes a note (mentions resolved by WebFinger within `timeoutMs`) and sends `Create`. */
  publishNote(
    userId: number,
    input: ComposeInputDto,
    opts: RemoteCallOptions,
  ): Promise<SocialResult<'no_username' | 'empty' | 'too_long' | 'reply_not_found', { objectId: number }>>;
  /** The member's own note for the edit form (its typed text), or null. */
  getNoteForEdit(
    userId: number,
    objectId: number,
  ): Promise<{ id: number; source: string; contentWarning: string | null } | null>;
  /** Edits a note and sends `Update`. */
  editNote(
    userId: number,
    objectId: number,
    input: { content: string; contentWarning: string | null },
    opts: RemoteCallOptions,
  ): Promise<
    SocialResult<'no_username' | 'empty' | 'too_long' | 'not_found' | 'deleted', { objectId: number }>
  >;
  /** Deletes a note (its URL answers 410) and sends `Delete` with a `Tombstone`. */
  deleteNote(
    userId: number,
    objectId: number,
  ): Promise<SocialResult<'no_username' | 'not_found' | 'deleted'>>;
  /**
   * One of our notes at its ActivityStreams id: its document (public and unlisted only), or
   * its Tombstone once deleted, or null.
   */
  getLocalNote(
    uri: string,
  ): Promise<
    | { kind: 'note'; objectId: number; document: Record<string, unknown> }
    | { kind: 'gone'; tombstone: Record<string, unknown> }
    | null
  >;

  // ---- interactions ------------------------------------------------------------------------
  /** Like / boost (`on`) or undo it: `Like`, `Announce`, `Undo`. */
  interact(
    userId: number,
    objectId: number,
    kind: 'like' | 'announce',
    on: boolean,
  ): Promise<SocialResult<'no_username' | 'not_found' | 'not_boostable'>>;

  // ---- accounts and follows ----------------------------------------------------------------
  /**
   * Finds an account by `@user@host` or actor URL: WebFinger and the actor fetch (cached), and
   * a preview of its recent public posts stored.
   */
  lookupAccount(
    query: string,
    opts: RemoteCallOptions,
  ): Promise<
    | { readonly ok: true; readonly kind: 'remote'; readonly id: number }
    | { readonly ok: true; readonly kind: 'local'; readonly username: string }
    | { readonly ok: false; readonly reason: 'invalid' | 'not_found' | 'unreachable' | 'blocked' }
  >;
  /** A cached remote account and the viewer's relation to it, or null. */
  getRemoteAccount(viewerUserId: number | null, id: number): Promise<RemoteAccountDto | null>;
  /** Re-reads a remote account's recent public posts from its outbox. */
  refreshRemoteAccount(
    id: number,
    opts: RemoteCallOptions,
  ): Promise<SocialResult<'not_found' | 'unreachable'>>;
  /** The viewer's follow of an account: none, pending, accepted or rejected. */
  followState(viewerUserId: number, actorUri: string): Promise<'none' | 'pending' | 'accepted' | 'rejected'>;
  follow(
    userId: number,
    actorUri: string,
    opts: RemoteCallOptions,
  ): Promise<
    SocialResult<
      'no_username' | 'not_found' | 'self' | 'blocked' | 'unreachable',
      { state: 'none' | 'pending' | 'accepted' | 'rejected' }
    >
  >;
  unfollow(userId: number, actorUri: string): Promise<{ ok: boolean }>;
  followers(username: string, opts: { maxId?: number | undefined }): Promise<FollowListDto | null>;
  following(username: string, opts: { maxId?: number | undefined }): Promise<FollowListDto | null>;
  followRequests(userId: number): Promise<readonly FollowRequestDto[]>;
  answerFollowRequest(userId: number, followId: number, accept: boolean): Promise<{ ok: boolean }>;
  /** Where "Follow from your server" sends a visitor (their server's subscribe template). */
  remoteFollowUrl(
    acct: string,
    targetUri: string,
    opts: RemoteCallOptions,
  ): Promise<SocialResult<'invalid' | 'not_found' | 'unreachable' | 'no_template', { url: string }>>;

  // ---- notifications -----------------------------------------------------------------------
  listNotifications(userId: number, opts: { maxId?: number | undefined }): Promise<NotificationPageDto>;
  /** Unread notifications (the `account-nav` badge). */
  countUnreadNotifications(userId: number): Promise<number>;
  markAllNotificationsRead(userId: number): Promise<void>;

  // ---- fediverse comments (replies to our objects, e.g. blog articles) ---------------------
  /** Replies to one object, oldest first, hidden and blocked ones left out (the `comments` fragment). */
  listComments(objectUri: string): Promise<readonly CommentDto[]>;

  // ---- moderation (admins) -----------------------------------------------------------------
  listBlocks(): Promise<readonly BlockDto[]>;
  /** Blocks a domain or an actor: inboxes refuse it, follows with it go, its posts are hidden. */
  addBlock(
    input: { kind: 'domain' | 'actor'; value: string; reason: string | null },
    adminUserId: number,
  ): Promise<
    SocialResult<'invalid' | 'own_domain' | 'unknown_account', { id: number; followsRemoved: number }>
  >;
  removeBlock(id: number): Promise<{ ok: boolean }>;
  /** A member reports a post they can see. */
  reportStatus(userId: number, objectId: number, comment: string): Promise<SocialResult<'not_found'>>;
  listReports(adminUserId: number, status?: 'open' | 'resolved'): Promise<readonly ReportDto[]>;
  resolveReport(id: number, adminUserId: number, note: string | null): Promise<{ ok: boolean }>;
  /** Hides (or shows again) a post, e.g. a fediverse comment under a blog post. */
  setStatusHidden(objectId: number, hidden: boolean, adminUserId: number): Promise<{ ok: boolean }>;
  /** Recent fediverse replies to our apps' objects, hidden ones included (admins). */
  listRecentComments(): Promise<readonly ModeratedCommentDto[]>;

  // ---- account: sign-in sessions, export, closing ------------------------------------------
  /** The member's single sign-on sessions at the provider (one per signed-in browser). */
  listSignInSessions(userId: number): Promise<readonly SignInSessionDto[]>;
  /**
   * Ends the member's single sign-on sessions (the one with `uid`, or all of them) and revokes
   * their grants, so no app signs that browser in again silently. Returns the ended sessions.
   */
  endSignInSessions(userId: number, uid: string | null): Promise<readonly SignInSessionDto[]>;
  /** Everything the social hub holds about a member (their data export). */
  exportMember(userId: number): Promise<SocialExportDto>;
  /**
   * Closes a member: `Delete` (a Tombstone) for each of their posts and `Delete` for their
   * actor, whose URL then answers 410; their likes, boosts, follows, notifications and
   * sign-in links go; the user row is emptied (a placeholder e-mail) and marked closed. In
   * the caller's transaction when given.
   */
  closeMember(userId: number, tx?: DatabaseLike): Promise<MemberClosureDto>;
  /**
   * After `closeMember`: once its `Delete` activities were fanned out to the followers, the
   * followers go too. False while they are still waiting for the EventProcessor.
   */
  finishMemberClosure(userId: number): Promise<boolean>;
}
