/**
 * Column helpers every schema file uses, defined once: timestamps with time zone, check
 * constraints over an enum list, and Postgres full-text `tsvector` columns.
 */
import { type SQL, sql } from 'drizzle-orm';
import { type AnyPgColumn, customType } from 'drizzle-orm/pg-core';

/** Every timestamp is `timestamptz`. */
export const tz = { withTimezone: true } as const;

/** `column in (...)` for a check constraint, built from the list that also types the column. */
export function oneOf(column: AnyPgColumn, values: readonly string[]): SQL {
  return sql`${column} in (${sql.raw(values.map((v) => `'${v}'`).join(', '))})`;
}

/** A generated full-text search column (with a GIN index beside it). */
export const tsvector = customType<{ data: string }>({
  dataType: () => 'tsvector',
});
