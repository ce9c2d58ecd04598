/**
 * Cart: carts (anonymous or a member's), orders with snapshotted lines, SumUp payments and the
 * stock reservations that stop two checkouts selling the same last item.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  check,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { oneOf, tz } from './columns.ts';
import { ticketTypes } from './events.ts';
import { products } from './market.ts';
import { users } from './users.ts';

export const lineKinds = ['product', 'ticket'] as const;
export type LineKind = (typeof lineKinds)[number];
/** `none`: nothing to hand over (an order of event tickets only). */
export const fulfilmentMethods = ['delivery', 'collection', 'none'] as const;
export type FulfilmentMethod = (typeof fulfilmentMethods)[number];
export const orderStatuses = [
  'pending',
  'awaiting_payment',
  'paid',
  'failed',
  'expired',
  'cancelled',
  'fulfilled',
  'refunded',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];
export const paymentProviders = ['sumup'] as const;
export type PaymentProvider = (typeof paymentProviders)[number];
/** SumUp's checkout statuses, lower-cased. */
export const paymentStatuses = ['pending', 'paid', 'failed', 'expired'] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];
export const reservationStatuses = ['held', 'committed', 'released'] as const;
export type ReservationStatus = (typeof reservationStatuses)[number];

export const carts = pgTable(
  'carts',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** Random key from the anonymous cart cookie. */
    anonymousKey: text('anonymous_key'),
    /** Set when an anonymous cart is merged into a member's cart at login; kept for audit. */
    mergedIntoCartId: integer('merged_into_cart_id').references((): AnyPgColumn => carts.id, {
      onDelete: 'set null',
    }),
    mergedAt: timestamp('merged_at', tz),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique('carts_anonymous_key_key').on(t.anonymousKey),
    // One live cart per member, so concurrent "get or create" calls converge on one row.
    uniqueIndex('carts_user_id_live_key').on(t.userId).where(sql`${t.mergedIntoCartId} is null`),
    check('carts_owner_check', sql`num_nonnulls(${t.userId}, ${t.anonymousKey}) >= 1`),
  ],
);
export type Cart = typeof carts.$inferSelect;
export type NewCart = typeof carts.$inferInsert;

export const cartItems = pgTable(
  'cart_items',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    cartId: integer('cart_id')
      .notNull()
      .references(() => carts.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: lineKinds }).notNull(),
    productId: integer('product_id').references(() => products.id, { onDelete: 'cascade' }),
    ticketTypeId: integer('ticket_type_id').references(() => ticketTypes.id, { onDelete: 'cascade' }),
    quantity: integer('quantity').notNull(),
    /** Price when added, shown if the live price has since changed; checkout re-prices. */
    unitPricePence: integer('unit_price_pence').notNull(),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    // Adding the same thing again bumps the quantity (ON CONFLICT) instead of a second line.
    unique('cart_items_cart_id_product_id_key').on(t.cartId, t.productId),
    unique('cart_items_cart_id_ticket_type_id_key').on(t.cartId, t.ticketTypeId),
    index('cart_items_product_id_idx').on(t.productId),
    index('cart_items_ticket_type_id_idx').on(t.ticketTypeId),
    check('cart_items_kind_check', oneOf(t.kind, lineKinds)),
    // A line is exactly one product or one ticket type, matching its kind.
    check(
      'cart_items_target_check',
      sql`(${t.kind} = 'product' and ${t.productId} is not null and ${t.ticketTypeId} is null) or (${t.kind} = 'ticket' and ${t.ticketTypeId} is not null and ${t.productId} is null)`,
    ),
    check('cart_items_quantity_check', sql`${t.quantity} > 0`),
    check('cart_items_unit_price_pence_check', sql`${t.unitPricePence} >= 0`),
  ],
);
export type CartItem = typeof cartItems.$inferSelect;
export type NewCartItem = typeof cartItems.$inferInsert;

/** The running part of order numbers (`RA-2026-000123`): never reused, even across years. */
export const orderNumberSeq = pgSequence('order_number_seq', { startWith: 1 });

export interface OrderAddress {
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postcode: string;
  country: string;
}

export const orders = pgTable(
  'orders',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** Human-readable reference quoted in e-mails and on the phone. */
    number: text('number').notNull(),
    // Set null: the order is a financial record and outlives the member's account.
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    email: text('email').notNull(),
    name: text('name').notNull(),
    fulfilment: text('fulfilment', { enum: fulfilmentMethods }).notNull(),
    /** Required for delivery, absent for collection. */
    address: jsonb('address').$type<OrderAddress>(),
    /** Name of the collection point chosen (from the cart settings), kept as shown then. */
    collectionPoint: text('collection_point'),
    notes: text('notes'),
    status: text('status', { enum: orderStatuses }).notNull().default('pending'),
    subtotalPence: integer('subtotal_pence').notNull(),
    deliveryPence: integer('delivery_pence').notNull().default(0),
    totalPence: integer('total_pence').notNull(),
    currency: text('currency').notNull(),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
    paidAt: timestamp('paid_at', tz),
    fulfilledAt: timestamp('fulfilled_at', tz),
    cancelledAt: timestamp('cancelled_at', tz),
    /** Claimed just before the confirmation e-mail is sent, so it goes out once. */
    confirmationSentAt: timestamp('confirmation_sent_at', tz),
    /**
     * Set when SumUp's checkout disagrees with the order (reference, amount, currency or
     * merchant), or money arrived that cannot be honoured: an admin looks, nothing is paid.
     */
    flaggedAt: timestamp('flagged_at', tz),
    flagReason: text('flag_reason'),
    /** A refund made in SumUp's dashboard, noted here by an admin (no refund API call). */
    refundedAt: timestamp('refunded_at', tz),
    refundNote: text('refund_note'),
  },
  (t) => [
    unique('orders_number_key').on(t.number),
    // Account's order history and the admin list filtered by status, newest first.
    index('orders_user_id_created_at_idx').on(t.userId, t.createdAt.desc()),
    index('orders_status_created_at_idx').on(t.status, t.createdAt.desc()),
    // The admin's "flagged" list.
    index('orders_flagged_at_idx').on(t.flaggedAt).where(sql`${t.flaggedAt} is not null`),
    check('orders_fulfilment_check', oneOf(t.fulfilment, fulfilmentMethods)),
    check('orders_status_check', oneOf(t.status, orderStatuses)),
    check(
      'orders_amounts_check',
      sql`${t.subtotalPence} >= 0 and ${t.deliveryPence} >= 0 and ${t.totalPence} >= 0`,
    ),
    check('orders_currency_check', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('orders_delivery_address_check', sql`${t.fulfilment} <> 'delivery' or ${t.address} is not null`),
  ],
);
export type Order = typeof orders.$inferSelect;
export type NewOrder = typeof orders.$inferInsert;

/** Lines snapshot name, SKU and price so later catalogue changes never rewrite an order. */
export const orderItems = pgTable(
  'order_items',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: lineKinds }).notNull(),
    productId: integer('product_id').references(() => products.id, { onDelete: 'set null' }),
    ticketTypeId: integer('ticket_type_id').references(() => ticketTypes.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    sku: text('sku'),
    quantity: integer('quantity').notNull(),
    unitPricePence: integer('unit_price_pence').notNull(),
    lineTotalPence: integer('line_total_pence').notNull(),
  },
  (t) => [
    index('order_items_order_id_idx').on(t.orderId),
    index('order_items_product_id_idx').on(t.productId),
    index('order_items_ticket_type_id_idx').on(t.ticketTypeId),
    check('order_items_kind_check', oneOf(t.kind, lineKinds)),
    check('order_items_quantity_check', sql`${t.quantity} > 0`),
    check('order_items_unit_price_pence_check', sql`${t.unitPricePence} >= 0`),
    check(
      'order_items_line_total_pence_check',
      sql`${t.lineTotalPence} = ${t.unitPricePence} * ${t.quantity}`,
    ),
  ],
);
export type OrderItem = typeof orderItems.$inferSelect;
export type NewOrderItem = typeof orderItems.$inferInsert;

/**
 * One row per SumUp checkout (one per payment attempt: SumUp refuses a repeated reference).
 * `raw` keeps the last checkout document fetched from SumUp, never the unsigned webhook body.
 */
export const payments = pgTable(
  'payments',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    // Restrict: payment records must not vanish with an order.
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'restrict' }),
    provider: text('provider', { enum: paymentProviders }).notNull().default('sumup'),
    /** SumUp's checkout id; null between creating the row and SumUp answering. */
    checkoutId: text('checkout_id'),
    /** Ours, sent to SumUp (≤ 64 chars) and checked against the fetched checkout. */
    checkoutReference: text('checkout_reference').notNull(),
    hostedCheckoutUrl: text('hosted_checkout_url'),
    amountPence: integer('amount_pence').notNull(),
    currency: text('currency').notNull(),
    status: text('status', { enum: paymentStatuses }).notNull().default('pending'),
    raw: jsonb('raw'),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique('payments_checkout_id_key').on(t.checkoutId),
    unique('payments_checkout_reference_key').on(t.checkoutReference),
    index('payments_order_id_idx').on(t.orderId),
    check('payments_provider_check', oneOf(t.provider, paymentProviders)),
    check('payments_status_check', oneOf(t.status, paymentStatuses)),
    check('payments_amount_pence_check', sql`${t.amountPence} >= 0`),
    check('payments_currency_check', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('payments_checkout_reference_length_check', sql`char_length(${t.checkoutReference}) <= 64`),
  ],
);
export type Payment = typeof payments.$inferSelect;
export type NewPayment = typeof payments.$inferInsert;

/**
 * Stock held for an unpaid order, one row per line. Taking the stock is a conditional update
 * of the product (`stock_quantity`) or ticket type (`reserved`) in the checkout's transaction;
 * these rows remember what to give back. `held` rows are `released` when the payment fails or
 * expires (the `cart.expire-checkouts` job sweeps those past `expires_at`), `committed` when the
 * order is paid.
 */
export const stockReservations = pgTable(
  'stock_reservations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    productId: integer('product_id').references(() => products.id, { onDelete: 'cascade' }),
    ticketTypeId: integer('ticket_type_id').references(() => ticketTypes.id, { onDelete: 'cascade' }),
    quantity: integer('quantity').notNull(),
    status: text('status', { enum: reservationStatuses }).notNull().default('held'),
    expiresAt: timestamp('expires_at', tz).notNull(),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    index('stock_reservations_order_id_idx').on(t.orderId),
    // Summing what is currently held for a product / ticket type at checkout.
    index('stock_reservations_product_id_held_idx').on(t.productId).where(sql`${t.status} = 'held'`),
    index('stock_reservations_ticket_type_id_held_idx').on(t.ticketTypeId).where(sql`${t.status} = 'held'`),
    // The expiry sweeper.
    index('stock_reservations_status_expires_at_idx').on(t.status, t.expiresAt),
    check('stock_reservations_target_check', sql`num_nonnulls(${t.productId}, ${t.ticketTypeId}) = 1`),
    check('stock_reservations_quantity_check', sql`${t.quantity} > 0`),
    check('stock_reservations_status_check', oneOf(t.status, reservationStatuses)),
  ],
);
export type StockReservation = typeof stockReservations.$inferSelect;
export type NewStockReservation = typeof stockReservations.$inferInsert;
