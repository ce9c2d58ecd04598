/**
 * Holding lines for an unpaid order, all or none — the one mechanism behind the market's
 * `reserveStock` and the calendar's `reserveTickets`. Each domain says how to hold and release
 * one line (a conditional update of its own row); this module fixes the order, the savepoint
 * and the refusal.
 */
import type { HeldLine, ReserveResult, StockLine } from '../contracts/dtos.ts';
import type { DatabaseHandle, DatabaseLike } from '../db/client.ts';

export type Refusal = Extract<ReserveResult, { ok: false }>;

/** Thrown inside the savepoint so lines already held by this call are given back. */
class Refused extends Error {
  readonly refusal: Refusal;

  constructor(refusal: Refusal) {
    super(`cannot hold ${refusal.id}: ${refusal.reason}`);
    this.refusal = refusal;
  }
}

/**
 * Same ids summed, in id order: every checkout locks rows in the same order, so two checkouts
 * holding the same rows can never deadlock.
 */
export function normaliseLines(items: readonly StockLine[]): StockLine[] {
  const byId = new Map<number, number>();
  for (const item of items) byId.set(item.id, (byId.get(item.id) ?? 0) + item.quantity);
  return [...byId.entries()].sort(([a], [b]) => a - b).map(([id, quantity]) => ({ id, quantity }));
}

/**
 * Holds every line with `holdOne` (which answers the held line, or why it cannot be held), in a
 * savepoint inside the caller's transaction (or a transaction of its own): the first refusal
 * rolls back exactly what this call took and is returned.
 */
export async function holdAll(
  db: DatabaseHandle,
  tx: DatabaseLike | undefined,
  items: readonly StockLine[],
  holdOne: (t: DatabaseLike, line: StockLine) => Promise<HeldLine | Refusal>,
): Promise<ReserveResult> {
  const lines = normaliseLines(items);
  if (lines.length === 0) return { ok: true, lines: [] };
  try {
    return await (tx ?? db.db).transaction(async (t) => {
      const held: HeldLine[] = [];
      for (const line of lines) {
        const result = await holdOne(t, line);
        if ('ok' in result) throw new Refused(result);
        held.push(result);
      }
      return { ok: true as const, lines: held };
    });
  } catch (err) {
    if (err instanceof Refused) return err.refusal;
    throw err;
  }
}

/** Gives every line back with `releaseOne`, in the same lock order, in `tx` or a transaction. */
export async function releaseAll(
  db: DatabaseHandle,
  tx: DatabaseLike | undefined,
  items: readonly StockLine[],
  releaseOne: (t: DatabaseLike, line: StockLine) => Promise<void>,
): Promise<void> {
  const lines = normaliseLines(items);
  if (lines.length === 0) return;
  const run = async (t: DatabaseLike) => {
    for (const line of lines) await releaseOne(t, line);
  };
  await (tx ? run(tx) : db.db.transaction(run));
}
