/**
 * Hostile input for the route fuzz test: for one route (its URL pattern and zod contract) a
 * stream of requests that break the contract in every way a client can — wrong types, missing
 * and extra fields, oversized strings and bodies, bad JSON, broken multipart, absurd numbers,
 * unicode and NUL bytes, path traversal, markup and script payloads, forged forwarding headers.
 * Deterministic for a seed, so a failure can be replayed (`FUZZ_SEED=…`).
 */
import type { RouteEntry } from '../infrastructure/factory.ts';

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** What this request tries, for the failure message. */
  label: string;
}

/** Payloads that a page reflecting them unescaped would execute: they must never appear raw in HTML. */
export const MARKUP_PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'];

export const HOSTILE_STRINGS = [
  '',
  ' ',
  ...MARKUP_PAYLOADS,
  "' OR '1'='1'; DROP TABLE posts; --",
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  'a\u0000b',
  '\u0000',
  '%00',
  '\u202e\ufeffü€𝔘😀\u0301',
  '\ud800',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  '{{7*7}}${7*7}<%= 7*7 %>',
  'javascript:alert(1)',
  '//evil.example/',
  '/.//evil.example',
  'null',
  'NaN',
  '-1',
  '1e308',
  '0x7fffffff',
  '9'.repeat(40),
  'x'.repeat(10_000),
  '"',
  '&',
  ':*',
  '!(&|',
];

export const HOSTILE_NUMBERS: unknown[] = [
  -1,
  0,
  1.5,
  2 ** 31,
  2 ** 53 + 1,
  1e308,
  -1e308,
  'NaN',
  'Infinity',
  '1e5',
  '',
];
const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  [],
  {},
  [1, 2],
  { $ne: null },
  42,
  ...HOSTILE_STRINGS.slice(0, 8),
];

/** A small, seedable PRNG (mulberry32): the same seed replays the same requests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- reading zod contracts (zod 4 keeps each schema's definition in `_zod.def`) ------------------

type ZodLike = { _zod?: { def?: Record<string, unknown> } };
const def = (schema: unknown) => ((schema as ZodLike)?._zod?.def ?? {}) as Record<string, unknown>;
const kind = (schema: unknown) => String(def(schema)['type'] ?? 'unknown');

/** Through optional/default/nullable/pipe/catch wrappers to the schema that gives the shape. */
function unwrap(schema: unknown): unknown {
  for (let i = 0; i < 10; i++) {
    const d = def(schema);
    const k = kind(schema);
    if (['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional'].includes(k)) {
      schema = d['innerType'];
    } else if (k === 'pipe') {
      schema = d['in'];
    } else break;
  }
  return schema;
}

/** The object shape of a contract (a union's first object member), or null. */
export function shapeOf(schema: unknown): Record<string, unknown> | null {
  const inner = unwrap(schema);
  const k = kind(inner);
  if (k === 'object') return (def(inner)['shape'] as Record<string, unknown>) ?? {};
  if (k === 'union') {
    for (const option of (def(inner)['options'] as unknown[]) ?? []) {
      const shape = shapeOf(option);
      if (shape) return shape;
    }
  }
  return null;
}

/** A plausible value for a field (so the request reaches the field under attack). */
export function sample(schema: unknown, random: () => number): unknown {
  const inner = unwrap(schema);
  const d = def(inner);
  switch (kind(inner)) {
    case 'string': {
      const format = String(d['format'] ?? '');
      if (format === 'email') return `fuzz${Math.floor(random() * 1e6)}@example.test`;
      if (format === 'uuid' || format === 'guid') return '6f1c0d52-9a3e-4c1b-8f43-2b9f5f0a7d11';
      if (format === 'url') return 'https://example.test/x';
      return 'fuzz';
    }
    case 'number':
    case 'int':
      return 1;
    case 'boolean':
      return true;
    case 'enum': {
      const values = Object.values((d['entries'] as Record<string, unknown>) ?? {});
      return values[Math.floor(random() * values.length)] ?? 'x';
    }
    case 'literal':
      return ((d['values'] as unknown[]) ?? [])[0];
    case 'object': {
      const shape = (d['shape'] as Record<string, unknown>) ?? {};
      return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, sample(v, random)]));
    }
    case 'array':
      return [sample(d['element'], random)];
    case 'union':
      return sample(((d['options'] as unknown[]) ?? [])[0], random);
    default:
      return 'fuzz';
  }
}

// ---- requests ------------------------------------------------------------------------------------

const pick = <T>(items: readonly T[], random: () => number): T =>
  items[Math.floor(random() * items.length)] as T;

/** Percent-encodes for a path segment; a lone surrogate (not encodable) goes as raw bytes. */
function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

function fillPath(url: string, params: Record<string, unknown>, override?: [string, string]): string {
  return url
    .replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) =>
      encodeSegment(override && override[0] === name ? override[1] : String(params[name] ?? 'fuzz')),
    )
    .replace(/\*$/, override?.[0] === '*' ? encodeSegment(override[1]) : 'fuzz.txt');
}

function withQuery(path: string, query: Record<string, unknown>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) for (const item of v) qs.append(k, String(item));
    else if (v !== undefined)
      qs.append(k, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** Broken multipart bodies, taken in turn so every route gets each one. */
const MALFORMED_MULTIPART = [
  '------fuzz\r\nContent-Disposition: form-data; name="title"\r\n\r\nunterminated',
  '------fuzz--',
  'garbage without a boundary',
  '------fuzz\r\nContent-Disposition: form-data; name="f"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n\u0000\u0000',
  '------fuzz\r\nContent-Disposition form-data name\r\n\r\nx\r\n------fuzz--\r\n',
];

const FORWARDED_JUNK = [
  'not-an-ip',
  '999.1.1.1',
  '1.1.1.1, 2.2.2.2, <script>',
  '::ffff:zzzz',
  '127.0.0.1\u0000',
  '',
];

/**
 * Requests against one route: `perRoute` of them, each breaking one thing, mixed from the
 * families below. `base` headers (cookies, CSRF, tokens) let them reach the contract.
 */
export function fuzzRequests(
  route: RouteEntry,
  options: { random: () => number; perRoute: number; base: Record<string, string> },
): FuzzRequest[] {
  const { random, base } = options;
  const paramsShape = shapeOf(route.schema.params) ?? {};
  const queryShape = shapeOf(route.schema.querystring) ?? {};
  const bodyShape = shapeOf(route.schema.body);
  const paramNames = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
  if (route.url.endsWith('*')) paramNames.push('*');
  const goodParams = Object.fromEntries(
    paramNames.map((n) => [n, paramsShape[n] ? sample(paramsShape[n], random) : 'fuzz']),
  );
  const goodQuery = Object.fromEntries(Object.entries(queryShape).map(([k, v]) => [k, sample(v, random)]));
  // The CSRF token travels in a header: a sampled `_csrf` in the body would shadow it.
  // The CSRF token travels in a header: a sampled `_csrf` in the body would shadow it.
  const goodBody = bodyShape
    ? Object.fromEntries(
        Object.entries(bodyShape)
          .filter(([k]) => k !== '_csrf')
          .map(([k, v]) => [k, sample(v, random)]),
      )
    : {};
  const hasBody = route.method !== 'GET' && route.method !== 'HEAD' && route.method !== 'DELETE';
  const accept = () => pick(['text/html', 'application/json', 'application/activity+json', '*/*'], random);
  const path = fillPath(route.url, goodParams);

  const families: (() => FuzzRequest)[] = [];
  let multipartTurn = 0;
  // Path params: every hostile string in every param.
  for (const name of paramNames) {
    families.push(() => {
      const value = pick(HOSTILE_STRINGS, random);
      return {
        method: route.method,
        url: withQuery(fillPath(route.url, goodParams, [name, value]), goodQuery),
        headers: { ...base, accept: accept() },
        label: `param ${name}=${JSON.stringify(value).slice(0, 60)}`,
      };
    });
  }
  // Query: hostile values for declared keys, extra keys, repeated keys.
  const queryKeys = Object.keys(queryShape);
  families.push(() => {
    const key = queryKeys.length ? pick(queryKeys, random) : pick(['q', 'page', 'x'], random);
    const value = pick([...HOSTILE_STRINGS, ...HOSTILE_NUMBERS.map(String)], random);
    return {
      method: route.method,
      url: withQuery(path, { ...goodQuery, [key]: value }),
      headers: { ...base, accept: accept() },
      label: `query ${key}=${JSON.stringify(value).slice(0, 60)}`,
    };
  });
  families.push(() => {
    const key = queryKeys.length ? pick(queryKeys, random) : 'x';
    return {
      method: route.method,
      url: withQuery(path, {
        ...goodQuery,
        [key]: ['1', '2'],
        [`extra_${Math.floor(random() * 100)}`]: '<b>x</b>',
      }),
      headers: { ...base, accept: accept() },
      label: `query ${key} repeated, extra key`,
    };
  });
  // Forwarding headers nobody should believe, and junk in common headers.
  families.push(() => ({
    method: route.method,
    url: withQuery(path, goodQuery),
    headers: {
      ...base,
      accept: accept(),
      'x-forwarded-for': pick(FORWARDED_JUNK, random),
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'gopher',
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
    },
    ...(hasBody ? { payload: JSON.stringify(goodBody) } : {}),
    label: 'forwarding headers',
  }));
  if (hasBody) {
    const fields = bodyShape ? Object.keys(bodyShape).filter((k) => k !== '_csrf') : ['x'];
    if (fields.length === 0) fields.push('x');
    const json = (body: unknown, label: string): FuzzRequest => ({
      method: route.method,
      url: withQuery(path, goodQuery),
      headers: { ...base, accept: accept(), 'content-type': 'application/json' },
      payload: JSON.stringify(body),
      label,
    });
    const form = (body: Record<string, unknown>, label: string): FuzzRequest => {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(body)) qs.append(k, typeof v === 'string' ? v : JSON.stringify(v));
      return {
        method: route.method,
        url: withQuery(path, goodQuery),
        headers: { ...base, accept: accept(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: qs.toString(),
        label,
      };
    };
    families.push(() => {
      const field = pick(fields, random);
      const value = pick([...HOSTILE_VALUES, ...HOSTILE_NUMBERS], random);
      return json({ ...goodBody, [field]: value }, `json ${field}=${JSON.stringify(value).slice(0, 60)}`);
    });
    families.push(() => {
      const field = pick(fields, random);
      const value = pick(HOSTILE_STRINGS, random);
      return form({ ...goodBody, [field]: value }, `form ${field}=${JSON.stringify(value).slice(0, 60)}`);
    });
    families.push(() => {
      const { [pick(fields, random)]: _dropped, ...rest } = goodBody as Record<string, unknown>;
      return json(
        { ...rest, [`extra_${Math.floor(random() * 100)}`]: '<script>alert(1)</script>' },
        'json: a field missing, an extra one',
      );
    });
    families.push(() => json(pick([null, [], 'string', 42, [goodBody]], random), 'json: not an object'));
    families.push(() => ({
      method: route.method,
      url: withQuery(path, goodQuery),
      headers: { ...base, accept: accept(), 'content-type': 'application/json' },
      payload: pick(
        [
          '{"a":',
          '{',
          '{"a":1,}',
          '\u0000',
          'nul\u0000l',
          '{"__proto__":{"admin":true}}',
          `[${'['.repeat(5000)}`,
        ],
        random,
      ),
      label: 'invalid JSON',
    }));
    families.push(() => ({
      method: route.method,
      url: withQuery(path, goodQuery),
      headers: {
        ...base,
        accept: accept(),
        'content-type': pick(
          [
            'text/plain',
            'application/xml',
            'image/png',
            'multipart/mixed',
            'application/x-www-form-urlencoded; charset=utf-7',
          ],
          random,
        ),
      },
      payload: '<a>x</a>',
      label: 'unexpected content type',
    }));
    families.push(() => ({
      method: route.method,
      url: withQuery(path, goodQuery),
      headers: { ...base, accept: accept(), 'content-type': 'multipart/form-data; boundary=----fuzz' },
      payload: MALFORMED_MULTIPART[multipartTurn++ % MALFORMED_MULTIPART.length] as string,
      label: 'malformed multipart',
    }));
  }
  // Oversized: a query of 20 kB, and (with a body) 3 MB.
  families.push(() => ({
    method: route.method,
    url: withQuery(path, { ...goodQuery, q: 'y'.repeat(20_000) }),
    headers: { ...base, accept: accept() },
    label: 'oversized query',
  }));
  if (hasBody && random() < 0.3) {
    families.push(() => ({
      method: route.method,
      url: withQuery(path, goodQuery),
      headers: { ...base, accept: accept(), 'content-type': 'application/json' },
      payload: JSON.stringify({ x: 'z'.repeat(3 * 1024 * 1024) }),
      label: 'oversized body',
    }));
  }

  const out: FuzzRequest[] = [];
  for (let i = 0; i < options.perRoute; i++) out.push((families[i % families.length] as () => FuzzRequest)());
  return out;
}
