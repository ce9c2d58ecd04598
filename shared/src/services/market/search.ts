/**
 * Product search: the document each product is indexed by, and turning what a shopper typed
 * into a `tsquery`. The text search configuration is `market_search` (English stemming plus
 * `unaccent`, created by migration 0002); a database without it falls back to `english`, and
 * one without `unaccent` keeps accents significant — `probeSearch` finds out which, once.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { DatabaseLike } from '../../db/client.ts';

export interface SearchSetup {
  /** The text search configuration, as an SQL literal (`'market_search'::regconfig`). */
  config: SQL;
  configName: 'market_search' | 'english';
  /** True when "creme" finds "crème". */
  accentInsensitive: boolean;
}

/** Longest query text that reaches Postgres; anything longer is cut (never an error). */
export const MAX_QUERY_CHARS = 256;
/** Words of a query kept (a pasted paragraph still searches, on its first words). */
const MAX_QUERY_WORDS = 16;

/** Which configuration this database has, and whether it folds accents. */
export async function probeSearch(db: DatabaseLike): Promise<SearchSetup> {
  const [row] = await rows<{ has: boolean }>(
    db,
    sql`select exists (select 1 from pg_ts_config where cfgname = 'market_search') as has`,
  );
  const configName = row?.has ? 'market_search' : 'english';
  const config = sql.raw(`'${configName}'::regconfig`);
  const [probe] = await rows<{ folds: boolean }>(
    db,
    sql`select to_tsvector(${config}, 'crème brûlée') @@ to_tsquery(${config}, 'creme & brulee') as folds`,
  );
  return { config, configName, accentInsensitive: probe?.folds === true };
}

/**
 * The `tsquery` text for what a shopper typed, or null when it has no searchable words.
 * `websearch_to_tsquery` reads the query (quotes, `or`, `-word`; it never fails on syntax), and
 * the last word also matches as a prefix (`tom` finds tomatoes) unless it is negated or inside
 * an open quote. Postgres builds the query; it comes back as text, so the listing query holds
 * a constant the planner can use with the GIN index.
 */
export async function buildTsquery(
  db: DatabaseLike,
  setup: SearchSetup,
  typed: string,
): Promise<string | null> {
  const text = normalizeQuery(typed);
  if (!text) return null;
  const full = sql`websearch_to_tsquery(${setup.config}, ${text})`;
  let query = full;
  const last = /([\p{L}\p{N}]+)$/u.exec(text);
  if (last) {
    const rest = text.slice(0, last.index);
    const openQuote = (rest.match(/"/g)?.length ?? 0) % 2 === 1;
    const negated = /(^|\s)-$/.test(rest);
    if (!openQuote && !negated) {
      // Letters and digits only, so `word:*` is always valid to_tsquery syntax.
      const prefix = sql`to_tsquery(${setup.config}, ${`${last[1]}:*`})`;
      query = sql`(${full} || (websearch_to_tsquery(${setup.config}, ${rest}) && ${prefix}))`;
    }
  }
  const [row] = await rows<{ q: string; nodes: number }>(
    db,
    sql`select q::text as q, numnode(q) as nodes from (select ${query} as q) s`,
  );
  return row && Number(row.nodes) > 0 ? row.q : null;
}

/** Trimmed, NFC, at most MAX_QUERY_CHARS characters and MAX_QUERY_WORDS words. */
export function normalizeQuery(typed: string): string {
  const words = typed.normalize('NFC').replace(/\s+/g, ' ').trim().slice(0, MAX_QUERY_CHARS).split(' ');
  return words.slice(0, MAX_QUERY_WORDS).join(' ').trim();
}

/**
 * The search document of the products matching `where`: name (A), category and supplier
 * names (B), description (C). Called after every write to a product, category or supplier name.
 */
export async function refreshSearch(db: DatabaseLike, setup: SearchSetup, where: SQL): Promise<void> {
  const cfg = setup.config;
  // No alias on the updated table: `where` names its columns as "products".<column>.
  await db.execute(sql`
    update products set search =
      setweight(to_tsvector(${cfg}, products.name), 'A') ||
      setweight(to_tsvector(${cfg},
        coalesce((select c.name from categories c where c.id = products.category_id), '') || ' ' ||
        coalesce((select s.name from suppliers s where s.id = products.supplier_id), '')), 'B') ||
      setweight(to_tsvector(${cfg}, coalesce(products.description, '')), 'C')
    where ${where}`);
}

/** Text escaped for HTML, then highlighted by ts_headline (which adds only the <mark> tags). */
export function headline(setup: SearchSetup, column: SQL, tsquery: string, options: string): SQL<string> {
  const escaped = sql`replace(replace(replace(replace(coalesce(${column}, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;')`;
  return sql<string>`ts_headline(${setup.config}, ${escaped}, ${tsquery}::tsquery, ${`StartSel=<mark>, StopSel=</mark>, ${options}`})`;
}

/** Rows of a raw statement, whichever driver runs it (node-postgres and PGlite both answer `.rows`). */
export async function rows<T>(db: DatabaseLike, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** Refreshes every product's search document (demo seeds, benchmarks, a repair after bulk SQL). */
export async function refreshAllSearch(db: DatabaseLike): Promise<void> {
  await refreshSearch(db, await probeSearch(db), sql`true`);
}
