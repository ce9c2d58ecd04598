import type { Cache } from './cache.ts';

export interface RateLimitRule {
  /** Distinguishes counters (e.g. `magic-link:email`). */
  name: string;
  /** Allowed hits per window. */
  limit: number;
  windowSeconds: number;
}

export type RateLimitResult = { ok: true } | { ok: false; retryAfter: number };

/**
 * Fixed-window counters in the cache (Redis in production, so every replica shares them).
 * Each hit counts, including refused ones, so hammering does not shorten the wait.
 */
export async function hitRateLimit(
  cache: Cache,
  rule: RateLimitRule,
  subject: string,
): Promise<RateLimitResult> {
  const key = `rl:${rule.name}:${subject}`;
  const count = await cache.incr(key, rule.windowSeconds);
  if (count <= rule.limit) return { ok: true };
  const ttl = await cache.ttl(key);
  return { ok: false, retryAfter: ttl > 0 ? ttl : rule.windowSeconds };
}

/** Checks several rules; the first refusal wins (all counters are still incremented). */
export async function hitRateLimits(
  cache: Cache,
  checks: { rule: RateLimitRule; subject: string }[],
): Promise<RateLimitResult> {
  const results = await Promise.all(checks.map((c) => hitRateLimit(cache, c.rule, c.subject)));
  const refused = results.filter((r): r is { ok: false; retryAfter: number } => !r.ok);
  if (refused.length === 0) return { ok: true };
  return { ok: false, retryAfter: Math.max(...refused.map((r) => r.retryAfter)) };
}
