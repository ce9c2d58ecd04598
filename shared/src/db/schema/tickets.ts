/**
 * Tickets: issued for paid order items of an event's ticket type. They sit between the events
 * domain (ticket types) and the cart (orders), so they have a file of their own and neither of
 * those two imports the other back.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  check,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import { orderItems, orders } from './cart.ts';
import { oneOf, tz } from './columns.ts';
import { ticketStatuses, ticketTypes } from './events.ts';
import { users } from './users.ts';

export const tickets = pgTable(
  'tickets',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    ticketTypeId: integer('ticket_type_id')
      .notNull()
      .references(() => ticketTypes.id, { onDelete: 'restrict' }),
    orderId: integer('order_id').references((): AnyPgColumn => orders.id, { onDelete: 'set null' }),
    /**
     * With `seq` (1..quantity) this makes issuing idempotent: a repeated payment webhook
     * inserts the same (order item, seq) pairs and conflicts instead of issuing twice.
     */
    orderItemId: integer('order_item_id').references((): AnyPgColumn => orderItems.id, {
      onDelete: 'set null',
    }),
    seq: integer('seq'),
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    /** Printed on the ticket and checked at the door. */
    code: text('code').notNull(),
    holderEmail: text('holder_email').notNull(),
    holderName: text('holder_name'),
    status: text('status', { enum: ticketStatuses }).notNull().default('valid'),
    /** Set once, at the door, by the conditional update that marks the ticket used. */
    usedAt: timestamp('used_at', tz),
    issuedAt: timestamp('issued_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique('tickets_code_key').on(t.code),
    unique('tickets_order_item_id_seq_key').on(t.orderItemId, t.seq),
    index('tickets_ticket_type_id_idx').on(t.ticketTypeId),
    index('tickets_order_id_idx').on(t.orderId),
    index('tickets_user_id_idx').on(t.userId),
    check('tickets_status_check', oneOf(t.status, ticketStatuses)),
    check('tickets_seq_check', sql`${t.seq} >= 1`),
  ],
);
export type Ticket = typeof tickets.$inferSelect;
export type NewTicket = typeof tickets.$inferInsert;
