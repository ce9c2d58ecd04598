/**
 * Checkout: a cart becomes an order in ONE transaction — the lines priced now, the stock of
 * every line held (products through the market, ticket places through the calendar), the
 * reservations recorded and the cart emptied. Any line that cannot be held rolls all of it
 * back, so nothing is ever half-held.
 */
import { eq, sql } from 'drizzle-orm';
import type { CartOwnerDto, CheckoutInputDto, UnavailableLine } from '../../contracts/dtos.ts';
import type { CalendarService, MarketService } from '../../contracts/protocols.ts';
import type { DatabaseHandle, DatabaseLike } from '../../db/client.ts';
import { cartItems, carts, orderItems, orders, stockReservations } from '../../db/schema/index.ts';
import { temporal } from '../../infrastructure/temporal.ts';

/** Minutes stock stays held for an order before a payment (SumUp's hosted session is 30). */
export const HOLD_MINUTES = 35;

/** Order numbers read `RA-2026-000123`: site prefix, the year in the site's zone, a sequence. */
export const ORDER_NUMBER_PREFIX = 'RA';
export const ORDER_NUMBER_PATTERN = /^[A-Z]{2,4}-\d{4}-\d{6,12}$/;

export interface PlaceOrderDeps {
  db: DatabaseHandle;
  market: Pick<MarketService, 'reserveStock'>;
  calendar: Pick<CalendarService, 'reserveTickets'>;
  now: Date;
  timezone: string;
  currency: string;
  findCartId(tx: DatabaseLike, owner: CartOwnerDto): Promise<number | null>;
  /** Every line's state after a refusal, to name all the lines that stand in the way. */
  availability(
    cartId: number,
  ): Promise<{ name: string; problem: 'inactive' | 'sold-out' | 'short' | null; available: number }[]>;
}

export type PlaceOrderResult =
  | { ok: true; number: string; orderId: number }
  | { ok: false; reason: 'empty' }
  | { ok: false; reason: 'unavailable'; lines: readonly UnavailableLine[] };

/** Thrown inside the transaction so everything taken so far is given back. */
class Unavailable extends Error {
  readonly line: UnavailableLine;

  constructor(line: UnavailableLine) {
    super(`cannot hold ${line.name}`);
    this.line = line;
  }

  static from(refusal: UnavailableLine): Unavailable {
    return new Unavailable({ name: refusal.name, reason: refusal.reason, available: refusal.available });
  }
}

/** The `RA-2026-` part of a new order number. */
export function orderNumberStem(now: Date, timezone: string): string {
  const year = temporal().Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(timezone).year;
  return `${ORDER_NUMBER_PREFIX}-${year}-`;
}

export async function placeOrder(
  deps: PlaceOrderDeps,
  owner: CartOwnerDto,
  input: CheckoutInputDto,
): Promise<PlaceOrderResult> {
  const { db, market, calendar, now } = deps;
  // Set inside the transaction; read after a refusal to name the other problem lines.
  const seen: { cartId: number | null } = { cartId: null };
  try {
    return await db.db.transaction(async (tx): Promise<PlaceOrderResult> => {
      const cartId = await deps.findCartId(tx, owner);
      seen.cartId = cartId;
      if (cartId === null) return { ok: false, reason: 'empty' };
      // The cart's row lock serialises a double-submitted checkout: the second finds it empty.
      await tx.select({ id: carts.id }).from(carts).where(eq(carts.id, cartId)).for('update');
      const lines = await tx
        .select({
          kind: cartItems.kind,
          productId: cartItems.productId,
          ticketTypeId: cartItems.ticketTypeId,
          quantity: cartItems.quantity,
        })
        .from(cartItems)
        .where(eq(cartItems.cartId, cartId));
      if (lines.length === 0) return { ok: false, reason: 'empty' };

      const productLines = lines
        .filter((l) => l.kind === 'product' && l.productId !== null)
        .map((l) => ({ id: l.productId as number, quantity: l.quantity }));
      const ticketLines = lines
        .filter((l) => l.kind === 'ticket' && l.ticketTypeId !== null)
        .map((l) => ({ id: l.ticketTypeId as number, quantity: l.quantity }));

      const heldProducts = await market.reserveStock(productLines, tx);
      if (!heldProducts.ok) throw Unavailable.from(heldProducts);
      const heldTickets = await calendar.reserveTickets(ticketLines, tx);
      if (!heldTickets.ok) throw Unavailable.from(heldTickets);

      const items = [
        ...productLines.map((l) => {
          const held = heldProducts.lines.find((h) => h.id === l.id);
          if (!held) throw new Error(`product ${l.id} was not held`);
          return {
            kind: 'product' as const,
            productId: l.id,
            ticketTypeId: null,
            name: held.name,
            sku: held.sku,
            quantity: l.quantity,
            unitPricePence: held.unitPricePence,
            lineTotalPence: held.unitPricePence * l.quantity,
          };
        }),
        ...ticketLines.map((l) => {
          const held = heldTickets.lines.find((h) => h.id === l.id);
          if (!held) throw new Error(`ticket type ${l.id} was not held`);
          return {
            kind: 'ticket' as const,
            productId: null,
            ticketTypeId: l.id,
            name: held.name,
            sku: null,
            quantity: l.quantity,
            unitPricePence: held.unitPricePence,
            lineTotalPence: held.unitPricePence * l.quantity,
          };
        }),
      ];
      const subtotalPence = items.reduce((n, i) => n + i.lineTotalPence, 0);
      // Tickets alone have nothing to deliver or collect.
      const fulfilment = productLines.length === 0 ? 'none' : input.fulfilment;
      if (fulfilment === 'none' && productLines.length > 0)
        throw new Error('an order with products needs delivery or collection');
      const deliveryPence = fulfilment === 'delivery' ? input.deliveryPence : 0;

      const [order] = await tx
        .insert(orders)
        .values({
          number: sql`${orderNumberStem(now, deps.timezone)} || lpad(nextval('order_number_seq')::text, 6, '0')`,
          userId: input.userId,
          email: input.email.toLowerCase(),
          name: input.name,
          fulfilment,
          address: fulfilment === 'delivery' ? input.address : null,
          collectionPoint: fulfilment === 'collection' ? input.collectionPoint : null,
          notes: input.notes,
          status: 'pending',
          subtotalPence,
          deliveryPence,
          totalPence: subtotalPence + deliveryPence,
          currency: deps.currency,
        })
        .returning({ id: orders.id, number: orders.number });
      if (!order) throw new Error('order insert returned nothing');
      await tx.insert(orderItems).values(items.map((i) => ({ ...i, orderId: order.id })));
      const expiresAt = new Date(now.getTime() + HOLD_MINUTES * 60_000);
      await tx.insert(stockReservations).values([
        ...productLines.map((l) => ({
          orderId: order.id,
          productId: l.id,
          quantity: l.quantity,
          expiresAt,
        })),
        ...ticketLines.map((l) => ({
          orderId: order.id,
          ticketTypeId: l.id,
          quantity: l.quantity,
          expiresAt,
        })),
      ]);
      await tx.delete(cartItems).where(eq(cartItems.cartId, cartId));
      return { ok: true, number: order.number, orderId: order.id };
    });
  } catch (err) {
    if (!(err instanceof Unavailable)) throw err;
    // Name every line that stands in the way, the refused one first.
    const others: UnavailableLine[] = seen.cartId
      ? (await deps.availability(seen.cartId))
          .filter((l) => l.problem !== null && l.name !== err.line.name)
          .map((l) => ({
            name: l.name,
            reason: l.problem === 'inactive' ? 'inactive' : 'sold-out',
            available: l.available,
          }))
      : [];
    return { ok: false, reason: 'unavailable', lines: [err.line, ...others] };
  }
}
