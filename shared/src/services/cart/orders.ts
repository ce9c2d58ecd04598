/** Orders: reading one or a list, and what admins do to them (fulfil, note a refund, clear a flag). */
import { and, asc, count, desc, eq, ilike, inArray, isNotNull, or, type SQL, sql } from 'drizzle-orm';
import {
  freeze,
  freezeAll,
  OrderDto,
  OrderPageDto,
  type OrderStatusDto,
  OrderSummaryDto,
} from '../../contracts/dtos.ts';
import type { CartService } from '../../contracts/protocols.ts';
import type { DatabaseHandle, DatabaseLike } from '../../db/client.ts';
import { orderItems, orders, payments, tickets } from '../../db/schema/index.ts';
import type { Cache } from '../../infrastructure/cache.ts';

export interface OrderQueryDeps {
  db: DatabaseHandle;
  cache: Cache;
}

type OrderQueries = Pick<
  CartService,
  'getOrder' | 'getOrdersForUser' | 'listOrders' | 'markFulfilled' | 'noteRefund' | 'clearFlag'
>;

/** An order with its lines, tickets and payment attempts, or null. */
export async function loadOrder(tx: DatabaseLike, where: SQL): Promise<OrderDto | null> {
  const [order] = await tx.select().from(orders).where(where).limit(1);
  if (!order) return null;
  const [items, issued, attempts] = await Promise.all([
    tx
      .select({
        id: orderItems.id,
        kind: orderItems.kind,
        name: orderItems.name,
        sku: orderItems.sku,
        productId: orderItems.productId,
        ticketTypeId: orderItems.ticketTypeId,
        quantity: orderItems.quantity,
        unitPricePence: orderItems.unitPricePence,
        lineTotalPence: orderItems.lineTotalPence,
      })
      .from(orderItems)
      .where(eq(orderItems.orderId, order.id))
      .orderBy(asc(orderItems.id)),
    tx
      .select({ code: tickets.code, orderItemId: tickets.orderItemId, status: tickets.status })
      .from(tickets)
      .where(eq(tickets.orderId, order.id))
      .orderBy(asc(tickets.orderItemId), asc(tickets.seq)),
    tx
      .select({
        id: payments.id,
        reference: payments.checkoutReference,
        checkoutId: payments.checkoutId,
        hostedCheckoutUrl: payments.hostedCheckoutUrl,
        status: payments.status,
        amountPence: payments.amountPence,
        currency: payments.currency,
        createdAt: payments.createdAt,
        updatedAt: payments.updatedAt,
      })
      .from(payments)
      .where(eq(payments.orderId, order.id))
      .orderBy(desc(payments.id)),
  ]);
  return freeze(OrderDto, {
    id: order.id,
    number: order.number,
    userId: order.userId,
    email: order.email,
    name: order.name,
    fulfilment: order.fulfilment,
    collectionPoint: order.collectionPoint,
    address: order.address,
    notes: order.notes,
    status: order.status,
    subtotalPence: order.subtotalPence,
    deliveryPence: order.deliveryPence,
    totalPence: order.totalPence,
    currency: order.currency,
    createdAt: order.createdAt,
    paidAt: order.paidAt,
    fulfilledAt: order.fulfilledAt,
    confirmationSentAt: order.confirmationSentAt,
    flaggedAt: order.flaggedAt,
    flagReason: order.flagReason,
    refundedAt: order.refundedAt,
    refundNote: order.refundNote,
    items,
    tickets: issued,
    payments: attempts,
  });
}

const summaryColumns = {
  number: orders.number,
  status: orders.status,
  email: orders.email,
  name: orders.name,
  totalPence: orders.totalPence,
  currency: orders.currency,
  createdAt: orders.createdAt,
  paidAt: orders.paidAt,
  flaggedAt: orders.flaggedAt,
  // Qualified by hand: drizzle leaves columns unqualified in a one-table select.
  itemCount: sql<number>`(select coalesce(sum(oi.quantity), 0)::int from order_items oi where oi.order_id = "orders"."id")`,
};

type SummaryRow = { flaggedAt: Date | null; itemCount: number } & Omit<
  OrderSummaryDto,
  'flagged' | 'itemCount'
>;
const toSummary = ({ flaggedAt, itemCount, ...row }: SummaryRow) => ({
  ...row,
  itemCount: Number(itemCount),
  flagged: flaggedAt !== null,
});

/** Escapes LIKE wildcards in a search term. */
function likeTerm(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function createOrderQueries({ db }: OrderQueryDeps): OrderQueries {
  /** Moves an order from one of `from` to `to`; the changed order, or why not. */
  async function transition(
    number: string,
    from: readonly OrderStatusDto[],
    set: Partial<typeof orders.$inferInsert>,
  ) {
    const [changed] = await db.db
      .update(orders)
      .set(set)
      .where(and(eq(orders.number, number), inArray(orders.status, [...from])))
      .returning({ id: orders.id });
    if (!changed) {
      const [exists] = await db.db.select({ id: orders.id }).from(orders).where(eq(orders.number, number));
      return { ok: false as const, reason: exists ? ('wrong-status' as const) : ('not-found' as const) };
    }
    const order = await loadOrder(db.db, eq(orders.id, changed.id));
    if (!order) throw new Error(`order ${number} vanished`);
    return { ok: true as const, order };
  }

  return {
    async getOrder(number) {
      return loadOrder(db.db, eq(orders.number, number));
    },

    async getOrdersForUser(userId, opts = {}) {
      const rows = await db.db
        .select(summaryColumns)
        .from(orders)
        .where(eq(orders.userId, userId))
        .orderBy(desc(orders.createdAt), desc(orders.id))
        .limit(Math.min(Math.max(opts.limit ?? 50, 1), 200));
      return freezeAll(OrderSummaryDto, rows.map(toSummary));
    },

    async listOrders({ status, q, page = 1, perPage }) {
      const filters: SQL[] = [];
      if (status === 'flagged') filters.push(isNotNull(orders.flaggedAt));
      else if (status) filters.push(eq(orders.status, status));
      const term = q?.trim();
      if (term) {
        const like = likeTerm(term);
        const match = or(ilike(orders.number, like), ilike(orders.email, like), ilike(orders.name, like));
        if (match) filters.push(match);
      }
      const where = filters.length ? and(...filters) : undefined;
      const [rows, [total], [flagged]] = await Promise.all([
        db.db
          .select(summaryColumns)
          .from(orders)
          .where(where)
          .orderBy(desc(orders.createdAt), desc(orders.id))
          .limit(perPage)
          .offset((page - 1) * perPage),
        db.db.select({ n: count() }).from(orders).where(where),
        db.db.select({ n: count() }).from(orders).where(isNotNull(orders.flaggedAt)),
      ]);
      return freeze(OrderPageDto, {
        items: rows.map(toSummary),
        total: Number(total?.n ?? 0),
        page,
        perPage,
        flaggedCount: Number(flagged?.n ?? 0),
      });
    },

    markFulfilled(number) {
      return transition(number, ['paid'], { status: 'fulfilled', fulfilledAt: new Date() });
    },

    noteRefund(number, note) {
      return transition(number, ['paid', 'fulfilled'], {
        status: 'refunded',
        refundedAt: new Date(),
        refundNote: note,
      });
    },

    async clearFlag(number) {
      const [changed] = await db.db
        .update(orders)
        .set({ flaggedAt: null })
        .where(and(eq(orders.number, number), isNotNull(orders.flaggedAt)))
        .returning({ id: orders.id });
      if (!changed) {
        const [exists] = await db.db.select({ id: orders.id }).from(orders).where(eq(orders.number, number));
        return { ok: false, reason: exists ? 'wrong-status' : 'not-found' };
      }
      const order = await loadOrder(db.db, eq(orders.id, changed.id));
      if (!order) throw new Error(`order ${number} vanished`);
      return { ok: true, order };
    },
  };
}
