/**
 * Route contract pieces several apps share: path params and queries that name things the same
 * way everywhere. Each route still declares its whole contract (params, query, body and, for
 * JSON, responses) beside its handler.
 */
import { z } from 'zod';

/** Slugs as Ghost and our editor make them: lower-case letters, digits and hyphens. */
export const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,190}$/, 'not a slug');
export const SlugParams = z.object({ slug: Slug });

/** A database id in the path (a serial: 1 … 2^31 − 1). */
export const Id = z.coerce.number().int().positive().max(2_147_483_647);
export const IdParams = z.object({ id: Id });

/** `?page=N` of a paginated listing (other query parameters are ignored). */
export const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) });

/** `{ ok: true }` and friends: the body of a JSON route that only confirms. */
export const OkResponse = z.object({ ok: z.literal(true) });
