/** What the global setup hands every test file (serializable). */
export interface TestServices {
  /** 'postgres' | 'pglite': where test databases come from. */
  database: 'postgres' | 'pglite';
  /** 'redis' | 'memory': where test caches come from. */
  cache: 'redis' | 'memory';
  /** Admin URL of the Postgres server (CREATE/DROP DATABASE), when database is 'postgres'. */
  adminUrl?: string;
  /** Migrated template database each test file clones. */
  templateDatabase?: string;
  redisUrl?: string;
  /** Where the services came from, for the loud line at start. */
  source: string;
  /** Environment of secrets generated once per run, for loadConfig in tests. */
  secretsEnv: Record<string, string>;
  repoRoot: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    roseAshTest: TestServices;
  }
}
