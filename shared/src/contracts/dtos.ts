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

export const AuthorRefDto = z.object({ id, slug: z.string(), name: z.string() }).readonly();
export type AuthorRefDto = z.infer<typeof AuthorRefDto>;

export const PostSummaryDto = z
  .object({
    id,
    slug: z.string(),
    title: z.string(),
    excerpt: z.string().nullable(),
    featureImage: z.string().nullable(),
    publishedAt: z.date().nullable(),
    author: AuthorRefDto.nullable(),
  })
  .readonly();
export type PostSummaryDto = z.infer<typeof PostSummaryDto>;

export const PostDetailDto = z
  .object({
    id,
    slug: z.string(),
    title: z.string(),
    excerpt: z.string().nullable(),
    featureImage: z.string().nullable(),
    publishedAt: z.date().nullable(),
    author: AuthorRefDto.nullable(),
    html: z.string().nullable(),
    readingTime: z.number().int().nonnegative().nullable(),
    updatedAt: z.date(),
  })
  .readonly();
export type PostDetailDto = z.infer<typeof PostDetailDto>;

export const NavItemDto = z.object({ label: z.string(), url: z.string() }).readonly();
export type NavItemDto = z.infer<typeof NavItemDto>;

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
