/**
 * The payment ledger: SumUp payment attempts of orders, and what their true status does to
 * the order. It never talks to SumUp itself — the cart app fetches the checkout (from its
 * own client) and hands the document here; nothing a webhook or a return URL says is believed.
 *
 * Every change runs in one transaction holding the order's row lock (then the payment's), so
 * duplicate and concurrent webhooks, returns and sweeps apply a status once: one paid
 * transition, tickets issued once, one confirmation.
 */
import { and, asc, eq, inArray, isNull, lt, ne, sql } from 'drizzle-orm';
import type { OrderDto, UnavailableLine } from '../../contracts/dtos.ts';
import type { CalendarService, MarketService } from '../../contracts/protocols.ts';
import type { DatabaseHandle, DatabaseLike } from '../../db/client.ts';
import { orderItems, orders, payments, stockReservations } from '../../db/schema/index.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { HOLD_MINUTES } from './checkout.ts';
import { loadOrder } from './orders.ts';

/** SumUp's hosted checkout session lasts this long. */
export const SUMUP_SESSION_MINUTES = 30;
/** A payment row with no SumUp checkout after this long was never created (a crash, a timeout). */
const ORPHAN_MINUTES = 5;

/** A checkout as SumUp's API returns it (`GET /v0.1/checkouts/{id}`); every field unverified. */
export interface SumUpCheckout {
  id?: string;
  checkout_reference?: string;
  amount?: number;
  currency?: string;
  merchant_code?: string;
  status?: string;
  hosted_checkout_url?: string;
  transactions?: unknown[];
  [key: string]: unknown;
}

/** Digits after the point in a currency's major unit (2 for GBP, 0 for JPY). */
export function currencyDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

/** Minor units (pence) to SumUp's major-unit amount: 1250 GBP → 12.5. */
export function toMajorUnits(minor: number, currency: string): number {
  return minor / 10 ** currencyDigits(currency);
}

/** SumUp's major-unit amount to minor units, rounding away binary-float noise (12.5 → 1250). */
export function toMinorUnits(major: number, currency: string): number {
  return Math.round(major * 10 ** currencyDigits(currency));
}

export interface PaymentRow {
  id: number;
  orderId: number;
  orderNumber: string;
  checkoutId: string | null;
  reference: string;
  status: 'pending' | 'paid' | 'failed' | 'expired';
  createdAt: Date;
}

export type BeginAttemptResult =
  | { kind: 'not-found' }
  | { kind: 'not-payable'; status: OrderDto['status'] }
  /** A live SumUp checkout already exists: send the payer back to it (never two live ones). */
  | { kind: 'reuse'; hostedCheckoutUrl: string }
  /** Another request is creating the checkout right now. */
  | { kind: 'in-progress' }
  | { kind: 'unavailable'; lines: readonly UnavailableLine[] }
  | {
      kind: 'created';
      payment: { id: number; reference: string; amountPence: number; currency: string };
      order: { number: string; email: string; name: string };
    };

export type ApplyOutcome =
  | { kind: 'unknown' }
  | { kind: 'pending' }
  | { kind: 'unchanged' }
  | { kind: 'flagged'; reason: string }
  | { kind: 'failed' | 'expired' }
  /** Newly paid: the caller sends the confirmation. */
  | { kind: 'paid'; orderId: number; flagged: boolean };

export interface PaymentLedgerDeps {
  db: DatabaseHandle;
  cache: Cache;
  market: Pick<MarketService, 'reserveStock' | 'releaseStock'>;
  calendar: Pick<CalendarService, 'reserveTickets' | 'releaseTickets' | 'issueTickets'>;
  /** Injected in tests; defaults to the wall clock. */
  now?: () => Date;
}

/** Thrown inside a transaction to roll it back with an outcome. */
class Rollback<T> extends Error {
  readonly value: T;

  constructor(value: T) {
    super('rolled back');
    this.value = value;
  }
}

const paymentColumns = {
  id: payments.id,
  orderId: payments.orderId,
  orderNumber: orders.number,
  checkoutId: payments.checkoutId,
  reference: payments.checkoutReference,
  status: payments.status,
  createdAt: payments.createdAt,
};

export function createPaymentLedger(deps: PaymentLedgerDeps) {
  const { db, market, calendar } = deps;
  const now = deps.now ?? (() => new Date());

  /** Adds a reason to the order's flag (once: a re-fetch of the same problem adds nothing). */
  async function flag(tx: DatabaseLike, orderId: number, reason: string): Promise<void> {
    const [order] = await tx.select({ reason: orders.flagReason }).from(orders).where(eq(orders.id, orderId));
    if (order?.reason?.includes(reason)) return;
    await tx
      .update(orders)
      .set({
        flaggedAt: now(),
        flagReason: order?.reason ? `${order.reason}\n${reason}` : reason,
      })
      .where(eq(orders.id, orderId));
  }

  async function heldLines(tx: DatabaseLike, orderId: number) {
    return tx
      .select({
        id: stockReservations.id,
        productId: stockReservations.productId,
        ticketTypeId: stockReservations.ticketTypeId,
        quantity: stockReservations.quantity,
      })
      .from(stockReservations)
      .where(and(eq(stockReservations.orderId, orderId), eq(stockReservations.status, 'held')));
  }

  const split = (lines: Awaited<ReturnType<typeof heldLines>>) => ({
    products: lines
      .filter((l) => l.productId !== null)
      .map((l) => ({ id: l.productId as number, quantity: l.quantity })),
    tickets: lines
      .filter((l) => l.ticketTypeId !== null)
      .map((l) => ({ id: l.ticketTypeId as number, quantity: l.quantity })),
  });

  /** Gives an order's held stock back (products restocked, ticket places freed). */
  async function releaseHolds(tx: DatabaseLike, orderId: number): Promise<void> {
    const held = await heldLines(tx, orderId);
    if (held.length === 0) return;
    const { products, tickets } = split(held);
    await market.releaseStock(products, tx);
    await calendar.releaseTickets(tickets, tx);
    await tx
      .update(stockReservations)
      .set({ status: 'released' })
      .where(
        inArray(
          stockReservations.id,
          held.map((h) => h.id),
        ),
      );
  }

  /**
   * Holds an order's stock again (a retry, or money that arrived after the hold ran out).
   * The order's own items are held, at their order price (the order's total does not change).
   */
  async function rehold(
    tx: DatabaseLike,
    orderId: number,
    expiresAt: Date,
  ): Promise<{ ok: true } | { ok: false; line: UnavailableLine }> {
    const items = await tx
      .select({
        name: orderItems.name,
        productId: orderItems.productId,
        ticketTypeId: orderItems.ticketTypeId,
        kind: orderItems.kind,
        quantity: orderItems.quantity,
      })
      .from(orderItems)
      .where(eq(orderItems.orderId, orderId));
    // An item whose product or ticket type was deleted since cannot be held again.
    const gone = items.find((i) => i.productId === null && i.ticketTypeId === null);
    if (gone) return { ok: false, line: { name: gone.name, reason: 'inactive', available: 0 } };
    const productLines = items
      .filter((i) => i.productId !== null)
      .map((i) => ({ id: i.productId as number, quantity: i.quantity }));
    const ticketLines = items
      .filter((i) => i.ticketTypeId !== null)
      .map((i) => ({ id: i.ticketTypeId as number, quantity: i.quantity }));
    try {
      return await tx.transaction(async (sp) => {
        const p = await market.reserveStock(productLines, sp);
        if (!p.ok) throw new Rollback({ name: p.name, reason: p.reason, available: p.available });
        const t = await calendar.reserveTickets(ticketLines, sp);
        if (!t.ok) throw new Rollback({ name: t.name, reason: t.reason, available: t.available });
        const rows = [
          ...productLines.map((l) => ({ orderId, productId: l.id, quantity: l.quantity, expiresAt })),
          ...ticketLines.map((l) => ({ orderId, ticketTypeId: l.id, quantity: l.quantity, expiresAt })),
        ];
        if (rows.length) await sp.insert(stockReservations).values(rows);
        return { ok: true as const };
      });
    } catch (err) {
      if (err instanceof Rollback) return { ok: false, line: err.value as UnavailableLine };
      throw err;
    }
  }

  /** A paid order's holds become sales: products are already taken; ticket places become sold. */
  async function commitHolds(tx: DatabaseLike, orderId: number): Promise<void> {
    const held = await heldLines(tx, orderId);
    if (held.length === 0) return;
    await calendar.releaseTickets(split(held).tickets, tx);
    await tx
      .update(stockReservations)
      .set({ status: 'committed' })
      .where(
        inArray(
          stockReservations.id,
          held.map((h) => h.id),
        ),
      );
  }

  /** What in SumUp's document disagrees with our payment attempt. */
  function mismatches(
    payment: { checkoutId: string | null; checkoutReference: string; amountPence: number; currency: string },
    doc: SumUpCheckout,
    merchantCode: string,
  ): string[] {
    const wrong: string[] = [];
    if (doc.id !== payment.checkoutId) wrong.push(`checkout id ${String(doc.id)}`);
    if (doc.checkout_reference !== payment.checkoutReference)
      wrong.push(`reference ${String(doc.checkout_reference)} (expected ${payment.checkoutReference})`);
    if (doc.currency !== payment.currency)
      wrong.push(`currency ${String(doc.currency)} (expected ${payment.currency})`);
    else if (
      typeof doc.amount !== 'number' ||
      !Number.isFinite(doc.amount) ||
      toMinorUnits(doc.amount, payment.currency) !== payment.amountPence
    )
      wrong.push(
        `amount ${String(doc.amount)} (expected ${toMajorUnits(payment.amountPence, payment.currency)})`,
      );
    if (doc.merchant_code !== merchantCode)
      wrong.push(`merchant ${String(doc.merchant_code)} (expected ${merchantCode})`);
    return wrong;
  }

  /** Locks an order, then one of its payments (always in this order: no deadlocks). */
  async function lockPayment(tx: DatabaseLike, paymentId: number) {
    const [ref] = await tx
      .select({ orderId: payments.orderId })
      .from(payments)
      .where(eq(payments.id, paymentId));
    if (!ref) return null;
    const [order] = await tx.select().from(orders).where(eq(orders.id, ref.orderId)).for('update');
    const [payment] = await tx.select().from(payments).where(eq(payments.id, paymentId)).for('update');
    return order && payment ? { order, payment } : null;
  }

  /** Whether the order has another attempt still open at SumUp (or paid). */
  async function otherLiveAttempt(tx: DatabaseLike, orderId: number, paymentId: number) {
    const [other] = await tx
      .select({ id: payments.id })
      .from(payments)
      .where(
        and(
          eq(payments.orderId, orderId),
          ne(payments.id, paymentId),
          inArray(payments.status, ['pending', 'paid']),
        ),
      )
      .limit(1);
    return !!other;
  }

  /** A final non-paid status for one attempt: the order's stock goes back unless another attempt lives. */
  async function closeAttempt(
    tx: DatabaseLike,
    order: { id: number; status: string },
    paymentId: number,
    status: 'failed' | 'expired',
    raw: unknown,
  ) {
    await tx
      .update(payments)
      .set({ status, ...(raw === undefined ? {} : { raw }) })
      .where(eq(payments.id, paymentId));
    if (!['pending', 'awaiting_payment'].includes(order.status)) return;
    if (await otherLiveAttempt(tx, order.id, paymentId)) return;
    await releaseHolds(tx, order.id);
    await tx.update(orders).set({ status }).where(eq(orders.id, order.id));
  }

  /** SumUp could not create the checkout: the attempt failed, the order keeps its hold for a retry. */
  async function recordCreateFailed(paymentId: number, reason: string): Promise<void> {
    await db.db.transaction(async (tx) => {
      const locked = await lockPayment(tx, paymentId);
      if (!locked) return;
      await tx
        .update(payments)
        .set({ status: 'failed', raw: { error: reason } })
        .where(eq(payments.id, paymentId));
      if (
        locked.order.status === 'awaiting_payment' &&
        !(await otherLiveAttempt(tx, locked.order.id, paymentId))
      )
        await tx.update(orders).set({ status: 'pending' }).where(eq(orders.id, locked.order.id));
    });
  }

  return {
    /**
     * Starts a payment attempt for an order: a new payment row with its own reference (SumUp
     * refuses a repeated one), the stock held again when an earlier attempt gave it back, and
     * the hold extended over SumUp's session. The caller then creates the SumUp checkout.
     */
    async beginAttempt(number: string): Promise<BeginAttemptResult> {
      const at = now();
      try {
        return await db.db.transaction(async (tx): Promise<BeginAttemptResult> => {
          const [order] = await tx.select().from(orders).where(eq(orders.number, number)).for('update');
          if (!order) return { kind: 'not-found' };
          if (!['pending', 'awaiting_payment', 'failed', 'expired'].includes(order.status))
            return { kind: 'not-payable', status: order.status };
          const attempts = await tx
            .select()
            .from(payments)
            .where(eq(payments.orderId, order.id))
            .orderBy(asc(payments.id));
          const sessionStart = new Date(at.getTime() - SUMUP_SESSION_MINUTES * 60_000);
          for (const attempt of attempts.filter((a) => a.status === 'pending')) {
            if (attempt.hostedCheckoutUrl && attempt.createdAt > sessionStart)
              return { kind: 'reuse', hostedCheckoutUrl: attempt.hostedCheckoutUrl };
            if (!attempt.checkoutId && attempt.createdAt > new Date(at.getTime() - 60_000))
              return { kind: 'in-progress' };
          }
          const expiresAt = new Date(at.getTime() + HOLD_MINUTES * 60_000);
          if ((await heldLines(tx, order.id)).length === 0) {
            const again = await rehold(tx, order.id, expiresAt);
            if (!again.ok) return { kind: 'unavailable', lines: [again.line] };
          } else {
            await tx
              .update(stockReservations)
              .set({ expiresAt })
              .where(and(eq(stockReservations.orderId, order.id), eq(stockReservations.status, 'held')));
          }
          const reference = `${order.number}-${attempts.length + 1}`;
          const [payment] = await tx
            .insert(payments)
            .values({
              orderId: order.id,
              checkoutReference: reference,
              amountPence: order.totalPence,
              currency: order.currency,
              status: 'pending',
            })
            .returning({ id: payments.id });
          if (!payment) throw new Error('payment insert returned nothing');
          await tx.update(orders).set({ status: 'awaiting_payment' }).where(eq(orders.id, order.id));
          return {
            kind: 'created',
            payment: { id: payment.id, reference, amountPence: order.totalPence, currency: order.currency },
            order: { number: order.number, email: order.email, name: order.name },
          };
        });
      } catch (err) {
        // Two retries at once: the second reference collides; it is the other request's attempt.
        // Drizzle wraps the driver's error; the SQLSTATE is on it or on its cause.
        const e = err as { code?: string; cause?: { code?: string } };
        if ((e.code ?? e.cause?.code) === '23505') return { kind: 'in-progress' };
        throw err;
      }
    },

    /** SumUp created the checkout: remember its id and hosted page. */
    async recordCreated(paymentId: number, checkout: SumUpCheckout): Promise<void> {
      await db.db
        .update(payments)
        .set({
          checkoutId: checkout.id ?? null,
          hostedCheckoutUrl: checkout.hosted_checkout_url ?? null,
          raw: checkout,
        })
        .where(eq(payments.id, paymentId));
    },

    /** SumUp could not create the checkout: the attempt failed, the order keeps its hold for a retry. */
    recordCreateFailed,

    async paymentByCheckoutId(checkoutId: string): Promise<PaymentRow | null> {
      const [row] = await db.db
        .select(paymentColumns)
        .from(payments)
        .innerJoin(orders, eq(orders.id, payments.orderId))
        .where(eq(payments.checkoutId, checkoutId));
      return row ?? null;
    },

    async paymentById(id: number): Promise<PaymentRow | null> {
      const [row] = await db.db
        .select(paymentColumns)
        .from(payments)
        .innerJoin(orders, eq(orders.id, payments.orderId))
        .where(eq(payments.id, id));
      return row ?? null;
    },

    /** The order's attempts that SumUp knows, newest first (the payer's return re-fetches them). */
    async attemptsOf(number: string): Promise<PaymentRow[]> {
      return db.db
        .select(paymentColumns)
        .from(payments)
        .innerJoin(orders, eq(orders.id, payments.orderId))
        .where(and(eq(orders.number, number), sql`${payments.checkoutId} is not null`))
        .orderBy(sql`${payments.id} desc`);
    },

    /**
     * Applies SumUp's own view of a checkout to the attempt and its order. Reference, amount,
     * currency and merchant must all match, else the order is flagged and nothing is paid.
     */
    async apply(paymentId: number, doc: SumUpCheckout, merchantCode: string): Promise<ApplyOutcome> {
      const at = now();
      return db.db.transaction(async (tx): Promise<ApplyOutcome> => {
        const locked = await lockPayment(tx, paymentId);
        if (!locked) return { kind: 'unknown' };
        const { order, payment } = locked;
        const status = doc.status;
        const wrong = mismatches(payment, doc, merchantCode);
        if (wrong.length) {
          const reason = `SumUp checkout for attempt ${payment.checkoutReference} does not match the order (${wrong.join('; ')}); SumUp says ${String(status)}`;
          await flag(tx, order.id, reason);
          if (status === 'PENDING' || payment.status === 'paid') {
            await tx.update(payments).set({ raw: doc }).where(eq(payments.id, payment.id));
          } else {
            // A final status on a checkout that is not this order's: this attempt can never pay it.
            await closeAttempt(tx, order, payment.id, 'failed', doc);
          }
          return { kind: 'flagged', reason };
        }
        if (status === 'PENDING' || status === undefined) {
          await tx.update(payments).set({ raw: doc }).where(eq(payments.id, payment.id));
          return { kind: 'pending' };
        }
        if (status === 'FAILED' || status === 'EXPIRED') {
          const next = status === 'FAILED' ? 'failed' : 'expired';
          // SumUp never takes a payment back this way; a paid attempt stays paid.
          if (payment.status === 'paid' || payment.status === next) return { kind: 'unchanged' };
          await closeAttempt(tx, order, payment.id, next, doc);
          return { kind: next };
        }
        if (status !== 'PAID') {
          await flag(
            tx,
            order.id,
            `SumUp reports an unknown status ${String(status)} for ${payment.checkoutReference}`,
          );
          return { kind: 'flagged', reason: `unknown status ${String(status)}` };
        }
        if (payment.status === 'paid') return { kind: 'unchanged' };
        await tx.update(payments).set({ status: 'paid', raw: doc }).where(eq(payments.id, payment.id));
        if (['paid', 'fulfilled', 'refunded'].includes(order.status)) {
          const reason = `Paid twice: attempt ${payment.checkoutReference} was paid as well — refund one of them in SumUp`;
          await flag(tx, order.id, reason);
          return { kind: 'flagged', reason };
        }
        let flagged = false;
        if ((await heldLines(tx, order.id)).length === 0) {
          // The money came after the hold ran out (or a cancelled order): hold again if we can.
          const again = await rehold(tx, order.id, new Date(at.getTime() + HOLD_MINUTES * 60_000));
          if (!again.ok) {
            flagged = true;
            await flag(
              tx,
              order.id,
              `Paid after its hold ran out, and “${again.line.name}” is no longer available: fulfil by hand or refund in SumUp`,
            );
          }
        }
        if (!flagged) {
          await commitHolds(tx, order.id);
          const ticketItems = await tx
            .select({
              id: orderItems.id,
              ticketTypeId: orderItems.ticketTypeId,
              quantity: orderItems.quantity,
            })
            .from(orderItems)
            .where(and(eq(orderItems.orderId, order.id), eq(orderItems.kind, 'ticket')));
          const issuable = ticketItems.filter((i) => i.ticketTypeId !== null);
          if (issuable.length) {
            const issued = await calendar.issueTickets(
              {
                orderId: order.id,
                holderEmail: order.email,
                holderName: order.name,
                userId: order.userId,
                items: issuable.map((i) => ({
                  orderItemId: i.id,
                  ticketTypeId: i.ticketTypeId as number,
                  quantity: i.quantity,
                })),
              },
              tx,
            );
            if (!issued.ok) {
              flagged = true;
              await flag(
                tx,
                order.id,
                `Tickets could not be issued (${issued.reason}, ticket type ${issued.ticketTypeId})`,
              );
            }
          }
        }
        await tx.update(orders).set({ status: 'paid', paidAt: at }).where(eq(orders.id, order.id));
        return { kind: 'paid', orderId: order.id, flagged };
      });
    },

    /** SumUp no longer knows the checkout (deactivated long ago, or never existed): expire it here. */
    async expireLocally(paymentId: number): Promise<void> {
      await db.db.transaction(async (tx) => {
        const locked = await lockPayment(tx, paymentId);
        if (locked?.payment.status !== 'pending') return;
        await closeAttempt(tx, locked.order, paymentId, 'expired', undefined);
      });
    },

    /** Pending attempts to re-fetch: every open one older than `minAgeSeconds`, oldest first. */
    async pendingAttempts(minAgeSeconds: number, limit = 100): Promise<PaymentRow[]> {
      return db.db
        .select(paymentColumns)
        .from(payments)
        .innerJoin(orders, eq(orders.id, payments.orderId))
        .where(
          and(
            eq(payments.status, 'pending'),
            sql`${payments.checkoutId} is not null`,
            lt(payments.createdAt, new Date(now().getTime() - minAgeSeconds * 1000)),
          ),
        )
        .orderBy(asc(payments.createdAt))
        .limit(limit);
    },

    /**
     * Housekeeping without SumUp: attempts whose checkout was never created are failed, and
     * orders whose hold ran out with no attempt still open give their stock back (expired).
     * Returns how many orders were expired.
     */
    async releaseStale(): Promise<number> {
      const at = now();
      const orphans = await db.db
        .select({ id: payments.id })
        .from(payments)
        .where(
          and(
            eq(payments.status, 'pending'),
            isNull(payments.checkoutId),
            lt(payments.createdAt, new Date(at.getTime() - ORPHAN_MINUTES * 60_000)),
          ),
        );
      for (const orphan of orphans) await recordCreateFailed(orphan.id, 'no SumUp checkout was created');
      const stale = await db.db
        .selectDistinct({ orderId: stockReservations.orderId })
        .from(stockReservations)
        .innerJoin(orders, eq(orders.id, stockReservations.orderId))
        .where(
          and(
            eq(stockReservations.status, 'held'),
            lt(stockReservations.expiresAt, at),
            inArray(orders.status, ['pending', 'awaiting_payment']),
          ),
        );
      let expired = 0;
      for (const { orderId } of stale) {
        const done = await db.db.transaction(async (tx) => {
          const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
          if (!order || !['pending', 'awaiting_payment'].includes(order.status)) return false;
          const [open] = await tx
            .select({ id: payments.id })
            .from(payments)
            .where(and(eq(payments.orderId, orderId), eq(payments.status, 'pending')))
            .limit(1);
          if (open) return false; // the SumUp sweep decides that one
          await releaseHolds(tx, orderId);
          await tx.update(orders).set({ status: 'expired' }).where(eq(orders.id, orderId));
          return true;
        });
        if (done) expired++;
      }
      return expired;
    },

    /** Paid orders, paid at least `minAgeSeconds` ago, whose confirmation never went out. */
    async unconfirmedPaidOrders(minAgeSeconds: number, limit = 100): Promise<number[]> {
      const rows = await db.db
        .select({ id: orders.id })
        .from(orders)
        .where(
          and(
            inArray(orders.status, ['paid', 'fulfilled']),
            isNull(orders.confirmationSentAt),
            lt(orders.paidAt, new Date(now().getTime() - minAgeSeconds * 1000)),
          ),
        )
        .orderBy(asc(orders.paidAt))
        .limit(limit);
      return rows.map((r) => r.id);
    },

    /**
     * Claims a paid order's confirmation e-mail: the order when this call may send it, null
     * when it was claimed (sent) already or the order is not paid.
     */
    async claimConfirmation(orderId: number): Promise<OrderDto | null> {
      const [claimed] = await db.db
        .update(orders)
        .set({ confirmationSentAt: now() })
        .where(
          and(
            eq(orders.id, orderId),
            isNull(orders.confirmationSentAt),
            inArray(orders.status, ['paid', 'fulfilled']),
          ),
        )
        .returning({ id: orders.id });
      if (!claimed) return null;
      return loadOrder(db.db, eq(orders.id, orderId));
    },

    /** Sending failed: let the retry claim it again. */
    async unclaimConfirmation(orderId: number): Promise<void> {
      await db.db.update(orders).set({ confirmationSentAt: null }).where(eq(orders.id, orderId));
    },
  };
}

export type PaymentLedger = ReturnType<typeof createPaymentLedger>;
