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
  CalendarEntrySummaryDto,
  CartOwnerDto,
  CartSummaryDto,
  CommentDto,
  ComposeInputDto,
  ContainerRefDto,
  EditablePostDto,
  EditorActionDto,
  FollowListDto,
  FollowRequestDto,
  IssueTicketsInputDto,
  IssueTicketsResult,
  MarketDto,
  MemberDto,
  ModeratedCommentDto,
  NavItemDto,
  NavMenusDto,
  NotificationPageDto,
  PostDto,
  PostInputDto,
  PostPageDto,
  ProductDto,
  ProfileDto,
  RemoteAccountDto,
  ReportDto,
  SavePostResult,
  SearchPageDto,
  StatusDto,
  SyncStatusDto,
  TagDto,
  ThreadDto,
  TimelinePageDto,
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
}
