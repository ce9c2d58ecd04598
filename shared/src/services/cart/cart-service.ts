import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { type CartLineDto, CartSummaryDto, freeze, type MergeCartResult } from '../../contracts/dtos.ts';
import type { CalendarService, CartService, MarketService } from '../../contracts/protocols.ts';
import type { DatabaseHandle, DatabaseLike } from '../../db/client.ts';
import { calendarEntries, cartItems, carts, products, ticketTypes } from '../../db/schema/index.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { invalidateFragment } from '../../infrastructure/fragments.ts';
import { ticketLineName } from '../calendar/ticket-reservations.ts';
import { placeOrder } from './checkout.ts';
import { createCustomerData } from './customer-data.ts';
import { createOrderQueries } from './orders.ts';

export interface CartServiceDeps {
  db: DatabaseHandle;
  cache: Cache;
  /** ISO 4217 code totals are shown in (config.site.currency). */
  currency: string;
  /** The site's zone and locale (config.site): order numbers' year, ticket dates. */
  timezone: string;
  locale: string;
  market: Pick<MarketService, 'reserveStock' | 'releaseStock'>;
  calendar: Pick<CalendarService, 'reserveTickets' | 'releaseTickets'>;
  /** Injected in tests; defaults to the wall clock. */
  now?: () => Date;
}

/** The most of one thing a cart line holds (AddItemDto's bound). */
export const MAX_LINE_QUANTITY = 999;

/** The line would ask for more than is left; rolls the transaction back. */
class SoldOut extends Error {}

type Owner = Parameters<CartService['getCartSummary']>[0];

/** The owner's live cart (never one merged away at login). */
export async function findCartId(tx: DatabaseLike, owner: Owner): Promise<number | null> {
  const where =
    'cartKey' in owner
      ? and(eq(carts.anonymousKey, owner.cartKey), isNull(carts.mergedIntoCartId))
      : and(eq(carts.userId, owner.userId), isNull(carts.mergedIntoCartId));
  const [row] = await tx.select({ id: carts.id }).from(carts).where(where).limit(1);
  return row?.id ?? null;
}

async function getOrCreateCartId(tx: DatabaseLike, owner: Owner): Promise<number> {
  const existing = await findCartId(tx, owner);
  if (existing) return existing;
  // ON CONFLICT DO NOTHING then re-read: concurrent first adds converge on one row.
  if ('cartKey' in owner) {
    await tx.insert(carts).values({ anonymousKey: owner.cartKey }).onConflictDoNothing();
  } else {
    await tx
      .insert(carts)
      .values({ userId: owner.userId })
      .onConflictDoNothing({ target: carts.userId, where: sql`${carts.mergedIntoCartId} is null` });
  }
  const id = await findCartId(tx, owner);
  if (!id) throw new Error('cart could not be created');
  return id;
}

/** A cart line with what is known today about its product or ticket type. */
interface LiveLine {
  id: number;
  kind: 'product' | 'ticket';
  productId: number | null;
  ticketTypeId: number | null;
  quantity: number;
  addedPrice: number;
  name: string;
  sku: string | null;
  livePrice: number | null;
  /** false: the product was withdrawn, or the event was cancelled or is over. */
  open: boolean;
  /** null: not tracked. */
  available: number | null;
  startsAt: Date | null;
}

/** The lines of one cart (or of a set of ids), joined with their product or ticket type. */
async function liveLines(tx: DatabaseLike, cartId: number, now: Date): Promise<LiveLine[]> {
  const rows = await tx
    .select({
      id: cartItems.id,
      kind: cartItems.kind,
      productId: cartItems.productId,
      ticketTypeId: cartItems.ticketTypeId,
      quantity: cartItems.quantity,
      addedPrice: cartItems.unitPricePence,
      productName: products.name,
      sku: products.sku,
      productPrice: products.pricePence,
      productActive: products.isActive,
      stock: products.stockQuantity,
      typeName: ticketTypes.name,
      typePrice: ticketTypes.pricePence,
      typeLeft: sql<number | null>`${ticketTypes.quantity} - ${ticketTypes.sold} - ${ticketTypes.reserved}`,
      entryTitle: calendarEntries.title,
      entryStatus: calendarEntries.status,
      startsAt: calendarEntries.startsAt,
      endsAt: calendarEntries.endsAt,
    })
    .from(cartItems)
    .leftJoin(products, eq(products.id, cartItems.productId))
    .leftJoin(ticketTypes, eq(ticketTypes.id, cartItems.ticketTypeId))
    .leftJoin(calendarEntries, eq(calendarEntries.id, ticketTypes.entryId))
    .where(eq(cartItems.cartId, cartId))
    .orderBy(asc(cartItems.id));
  return rows.map((r) => {
    if (r.kind === 'product') {
      const open = r.productActive ?? false;
      return {
        id: r.id,
        kind: r.kind,
        productId: r.productId,
        ticketTypeId: null,
        quantity: r.quantity,
        addedPrice: r.addedPrice,
        name: r.productName ?? 'A product',
        sku: r.sku,
        livePrice: r.productPrice,
        open,
        available: open ? (r.stock === null ? null : Math.max(0, r.stock)) : 0,
        startsAt: null,
      };
    }
    const ends = r.endsAt ?? r.startsAt;
    const open = r.entryStatus === 'scheduled' && !!ends && ends.getTime() >= now.getTime();
    return {
      id: r.id,
      kind: r.kind,
      productId: null,
      ticketTypeId: r.ticketTypeId,
      quantity: r.quantity,
      addedPrice: r.addedPrice,
      name: r.entryTitle && r.typeName ? ticketLineName(r.entryTitle, r.typeName) : 'A ticket',
      sku: null,
      livePrice: r.typePrice,
      open,
      available: open ? Math.max(0, Number(r.typeLeft ?? 0)) : 0,
      startsAt: r.startsAt,
    };
  });
}

/** Why a line cannot be checked out as it is, if it cannot. */
function problemOf(line: Pick<LiveLine, 'open' | 'available' | 'quantity'>): CartLineDto['problem'] {
  if (!line.open) return 'inactive';
  if (line.available === null) return null;
  if (line.available === 0) return 'sold-out';
  return line.available < line.quantity ? 'short' : null;
}

/** Carts, orders and the checkout over the shared schema. */
export function createCartService(deps: CartServiceDeps): CartService {
  const { db, cache, currency } = deps;
  const now = deps.now ?? (() => new Date());
  const dateFormat = new Intl.DateTimeFormat(deps.locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: deps.timezone,
  });

  async function summarise(tx: DatabaseLike, cartId: number | null): Promise<CartSummaryDto> {
    if (cartId === null)
      return freeze(CartSummaryDto, { cartId: null, itemCount: 0, totalPence: 0, currency, lines: [] });
    const lines = (await liveLines(tx, cartId, now())).map((l) => {
      const unitPricePence = l.livePrice ?? l.addedPrice;
      return {
        id: l.id,
        kind: l.kind,
        name: l.name,
        detail: l.startsAt ? dateFormat.format(l.startsAt) : null,
        sku: l.sku,
        productId: l.productId,
        ticketTypeId: l.ticketTypeId,
        quantity: l.quantity,
        unitPricePence,
        lineTotalPence: unitPricePence * l.quantity,
        priceChanged: unitPricePence !== l.addedPrice,
        available: l.available,
        problem: problemOf(l),
      };
    });
    return freeze(CartSummaryDto, {
      cartId,
      itemCount: lines.reduce((n, l) => n + l.quantity, 0),
      totalPence: lines.reduce((n, l) => n + l.lineTotalPence, 0),
      currency,
      lines,
    });
  }

  const dropCartMini = (owner: Owner) =>
    invalidateFragment(
      cache,
      'cart-mini',
      'cartKey' in owner ? { cartKey: owner.cartKey } : { userId: owner.userId },
    );

  const orders = createOrderQueries({ db, cache });

  return {
    async getCartSummary(owner) {
      return summarise(db.db, await findCartId(db.db, owner));
    },

    async addItem(owner, item) {
      const result = await db.db
        .transaction(async (tx) => {
          if ('sku' in item) {
            const [product] = await tx
              .select({ id: products.id, price: products.pricePence, stock: products.stockQuantity })
              .from(products)
              .where(and(eq(products.sku, item.sku), eq(products.isActive, true)))
              .orderBy(asc(products.id))
              .limit(1);
            if (!product) {
              const [any] = await tx
                .select({ id: products.id })
                .from(products)
                .where(eq(products.sku, item.sku))
                .limit(1);
              return { ok: false as const, reason: any ? ('inactive' as const) : ('unknown-item' as const) };
            }
            const cartId = await getOrCreateCartId(tx, owner);
            const [line] = await tx
              .insert(cartItems)
              .values({
                cartId,
                kind: 'product',
                productId: product.id,
                quantity: item.quantity,
                unitPricePence: product.price,
              })
              .onConflictDoUpdate({
                target: [cartItems.cartId, cartItems.productId],
                set: {
                  quantity: sql`${cartItems.quantity} + excluded.quantity`,
                  unitPricePence: sql`excluded.unit_price_pence`,
                },
              })
              .returning({ quantity: cartItems.quantity });
            const quantity = line?.quantity ?? 0;
            // Stock is held at checkout; here it only stops asking for more than exists.
            if ((product.stock !== null && quantity > product.stock) || quantity > MAX_LINE_QUANTITY)
              throw new SoldOut();
            return { ok: true as const, cartId };
          }
          const [type] = await tx
            .select({
              id: ticketTypes.id,
              price: ticketTypes.pricePence,
              left: sql<number>`${ticketTypes.quantity} - ${ticketTypes.sold} - ${ticketTypes.reserved}`,
            })
            .from(ticketTypes)
            .where(eq(ticketTypes.id, item.ticketTypeId))
            .limit(1);
          if (!type) return { ok: false as const, reason: 'unknown-item' as const };
          const cartId = await getOrCreateCartId(tx, owner);
          const [line] = await tx
            .insert(cartItems)
            .values({
              cartId,
              kind: 'ticket',
              ticketTypeId: type.id,
              quantity: item.quantity,
              unitPricePence: type.price,
            })
            .onConflictDoUpdate({
              target: [cartItems.cartId, cartItems.ticketTypeId],
              set: {
                quantity: sql`${cartItems.quantity} + excluded.quantity`,
                unitPricePence: sql`excluded.unit_price_pence`,
              },
            })
            .returning({ quantity: cartItems.quantity });
          if ((line?.quantity ?? 0) > Number(type.left)) throw new SoldOut();
          return { ok: true as const, cartId };
        })
        .catch((err: unknown) => {
          // Thrown inside the transaction so the over-quantity line is rolled back.
          if (err instanceof SoldOut) return { ok: false as const, reason: 'sold-out' as const };
          throw err;
        });
      if (!result.ok) return result;
      await dropCartMini(owner);
      return { ok: true, cartId: result.cartId, summary: await summarise(db.db, result.cartId) };
    },

    async setQuantity(owner, lineId, quantity) {
      const outcome = await db.db.transaction(async (tx) => {
        const cartId = await findCartId(tx, owner);
        if (cartId === null) return { ok: false as const, reason: 'not-found' as const };
        const line = (await liveLines(tx, cartId, now())).find((l) => l.id === lineId);
        if (!line) return { ok: false as const, reason: 'not-found' as const };
        const cap = Math.min(line.available ?? MAX_LINE_QUANTITY, MAX_LINE_QUANTITY);
        // Lowering a quantity is always allowed (it helps a short line); raising needs stock.
        if (quantity > line.quantity && quantity > cap)
          return { ok: false as const, reason: 'sold-out' as const, available: cap };
        await tx
          .update(cartItems)
          .set({ quantity })
          .where(and(eq(cartItems.id, lineId), eq(cartItems.cartId, cartId)));
        return { ok: true as const, cartId };
      });
      if (!outcome.ok) return outcome;
      await dropCartMini(owner);
      return { ok: true, summary: await summarise(db.db, outcome.cartId) };
    },

    async removeLine(owner, lineId) {
      const cartId = await findCartId(db.db, owner);
      if (cartId === null) return summarise(db.db, null);
      await db.db.delete(cartItems).where(and(eq(cartItems.id, lineId), eq(cartItems.cartId, cartId)));
      await dropCartMini(owner);
      return summarise(db.db, cartId);
    },

    async mergeAnonymousCart(cartKey, userId) {
      const result = await db.db.transaction(async (tx): Promise<MergeCartResult> => {
        // The row lock makes a replayed or concurrent merge wait, then find nothing to merge.
        const [anonymous] = await tx
          .select({ id: carts.id })
          .from(carts)
          .where(and(eq(carts.anonymousKey, cartKey), isNull(carts.mergedIntoCartId), isNull(carts.userId)))
          .for('update');
        if (!anonymous) return { merged: false, capped: [] };
        const target = await getOrCreateCartId(tx, { userId });
        const at = now();
        const theirs = await liveLines(tx, target, at);
        const capped: string[] = [];
        for (const line of await liveLines(tx, anonymous.id, at)) {
          const existing = theirs.find((t) =>
            line.kind === 'product' ? t.productId === line.productId : t.ticketTypeId === line.ticketTypeId,
          );
          const wanted = (existing?.quantity ?? 0) + line.quantity;
          const cap = Math.min(line.available ?? MAX_LINE_QUANTITY, MAX_LINE_QUANTITY);
          const quantity = Math.min(wanted, cap);
          if (quantity < wanted) capped.push(line.name);
          // Nothing left to add (sold out or gone): the member's own line stays as it was.
          if (quantity <= (existing?.quantity ?? 0)) continue;
          const target_ = line.kind === 'product' ? cartItems.productId : cartItems.ticketTypeId;
          await tx
            .insert(cartItems)
            .values({
              cartId: target,
              kind: line.kind,
              productId: line.productId,
              ticketTypeId: line.ticketTypeId,
              quantity,
              unitPricePence: line.addedPrice,
            })
            .onConflictDoUpdate({ target: [cartItems.cartId, target_], set: { quantity } });
        }
        // The anonymous cart is kept for audit but retired: its key no longer names a cart
        // (so a signed-out browser starts afresh) and it belongs to the member it went to.
        await tx
          .update(carts)
          .set({ mergedIntoCartId: target, mergedAt: at, anonymousKey: null, userId })
          .where(eq(carts.id, anonymous.id));
        return { merged: true, capped };
      });
      if (result.merged) {
        await dropCartMini({ cartKey });
        await dropCartMini({ userId });
      }
      return result;
    },

    async checkout(owner, input) {
      const result = await placeOrder(
        {
          db,
          market: deps.market,
          calendar: deps.calendar,
          now: now(),
          timezone: deps.timezone,
          currency,
          findCartId,
          availability: async (cartId) =>
            (await liveLines(db.db, cartId, now())).map((l) => ({
              name: l.name,
              problem: problemOf(l),
              available: l.available ?? 0,
            })),
        },
        owner,
        input,
      );
      if (!result.ok) return result;
      await dropCartMini(owner);
      const order = await orders.getOrder(result.number);
      if (!order) throw new Error(`order ${result.number} vanished after checkout`);
      return { ok: true, order };
    },

    getOrder: orders.getOrder,
    getOrdersForUser: orders.getOrdersForUser,
    listOrders: orders.listOrders,
    markFulfilled: orders.markFulfilled,
    noteRefund: orders.noteRefund,
    clearFlag: orders.clearFlag,
    ...createCustomerData(db),
  };
}
