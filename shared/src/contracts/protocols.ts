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
  CalendarEntrySummaryDto,
  CartOwnerDto,
  CartSummaryDto,
  ContainerRefDto,
  IssueTicketsInputDto,
  IssueTicketsResult,
  MarketDto,
  NavItemDto,
  PostDetailDto,
  PostSummaryDto,
  ProductDto,
  ProfileDto,
} from './dtos.ts';

export interface BlogService {
  /** Latest published posts (type post), newest first. */
  listLatestPosts(opts: { limit: number; offset?: number }): Promise<readonly PostSummaryDto[]>;
  /** A published post (type post) by slug, or null. */
  getPublishedPostBySlug(slug: string): Promise<PostDetailDto | null>;
  /** A site menu in display order. */
  getNavigation(menu: 'primary' | 'secondary'): Promise<readonly NavItemDto[]>;
  /** Changes a post's title, body or excerpt locally and purges the cached pages showing it. */
  updatePostContent(
    id: number,
    patch: { title?: string; html?: string | null; customExcerpt?: string | null },
  ): Promise<{ ok: true } | { ok: false; reason: 'not-found' }>;
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
export interface FederationService {
  /** Records an outgoing activity in ap_activities (status pending) in the caller's transaction; the EventProcessor delivers it. */
  emit(input: EmitActivityInput, tx?: DatabaseLike): Promise<{ activityId: string }>;
  /** Public actor URI of an app's Service actor or a member's Person actor (by username). */
  actorUri(actor: { app: AppName } | { username: string }): string;
}
