-- Market search reads and writes products.search in a text search configuration of its own,
-- `market_search`: English stemming, with accents folded by `unaccent` where the database has
-- that extension (PostgreSQL's contrib, and PGlite's bundled one). A database without it keeps
-- accent-sensitive search; the market service checks and says so. Custom SQL because drizzle-kit
-- cannot express extensions or text search configurations: keep this file when the history is
-- regenerated (the service falls back to `english` when the configuration is missing).
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS unaccent;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'unaccent is not available: market search stays accent-sensitive';
END
$$;
--> statement-breakpoint
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'market_search') THEN
    CREATE TEXT SEARCH CONFIGURATION market_search (COPY = pg_catalog.english);
  END IF;
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'unaccent') THEN
    ALTER TEXT SEARCH CONFIGURATION market_search
      ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
  END IF;
END
$$;
