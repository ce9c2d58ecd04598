/**
 * Route contracts: every route declares its params, query and body (and, for JSON routes, its
 * responses) as zod schemas through fastify-type-provider-zod. Fastify validates before the
 * handler runs; a violation reaches the factory's one error handler, which answers 404 for a
 * path that names nothing (bad params), 400 otherwise — an HTML page, the route's form
 * re-rendered with field errors when it declares one (`config.form`), or JSON for APIs.
 *
 * NUL bytes are refused here too, once for every route: Postgres cannot store them in text, and
 * no legitimate form, query or JSON field carries one.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  type FastifyPluginAsyncZod,
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { AppError } from './errors.ts';

export type { ZodTypeProvider };
export { serializerCompiler, validatorCompiler };

/** A route plugin whose routes are typed by their zod contracts. */
export type RoutePlugin = FastifyPluginAsyncZod;

/** What a form route shows again, with field errors, when its body breaks the contract. */
export interface FormContract {
  /** The template of the page holding the form. */
  view: string;
  /** Everything else the page needs (the values typed and the errors are added). */
  context?: (request: FastifyRequest) => Record<string, unknown> | Promise<Record<string, unknown>>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** On a POST with a form: re-render it with field errors (400) when the body is invalid. */
    form?: FormContract;
  }
}

/** One field's problem, as forms and JSON errors show it. */
export interface FieldError {
  field: string;
  message: string;
}

/** The field errors of a contract violation, or null when `error` is not one. */
export function contractViolation(
  error: unknown,
): { context: 'body' | 'querystring' | 'params' | 'headers'; fields: FieldError[] } | null {
  if (!hasZodFastifySchemaValidationErrors(error)) return null;
  const context = ((error as { validationContext?: string }).validationContext ?? 'body') as
    | 'body'
    | 'querystring'
    | 'params'
    | 'headers';
  return {
    context,
    fields: error.validation.map((v) => ({
      field: v.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(request)',
      message: v.message ?? 'is not valid',
    })),
  };
}

/** True when a string anywhere in `value` (object keys included) carries a NUL byte. */
export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 32 || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return false;
  if (Array.isArray(value)) return value.some((v) => containsNul(v, depth + 1));
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v, depth + 1));
}

/**
 * preValidation for every route: a NUL byte in the path, query or parsed body is refused before
 * any contract or handler sees it (404 in the path, 400 elsewhere).
 */
export function refuseNulBytes(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: (err?: Error) => void,
): void {
  // A callback hook, not an async one: it runs on every request, and a promise per hook is a
  // measurable share of a page-cache hit (bench/README.md).
  const [path = '', query = ''] = request.url.split('?', 2);
  if (path.includes('%00') || path.includes('\u0000') || containsNul(request.params)) {
    done(new AppError('HTTP_ROUTE_NOT_FOUND'));
  } else if (query.includes('%00') || containsNul(request.query) || containsNul(request.body)) {
    done(new AppError('HTTP_REQUEST_NUL_BYTE'));
  } else done();
}

/**
 * A request body the parser could not read (busboy's multipart errors carry no status): the
 * client's fault, a 400, never a 500.
 */
export function isMalformedBody(error: unknown): boolean {
  const message = (error as Error | undefined)?.message ?? '';
  return /^(Unexpected end of (multipart data|form)|Malformed part header|Multipart: Boundary not found|Part terminated early|Malformed urlencoded form)/.test(
    message,
  );
}

/** The values a form posted back, strings only (files and nested values are not re-shown). */
export function postedValues(body: unknown): Record<string, string> {
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(
    Object.entries(body as Record<string, unknown>).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && !entry[1].includes('\u0000'),
    ),
  );
}

export type { FastifyError };
