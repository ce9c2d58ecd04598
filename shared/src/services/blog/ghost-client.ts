import type * as Jose from 'jose';
import { z } from 'zod';
import { lazyRequire } from '../../infrastructure/lazy.ts';

/** JOSE loads with the first call to Ghost. */
const jose = lazyRequire<typeof Jose>('jose');

/**
 * Ghost Admin API client (Ghost 5.x): short-lived HS256 JWTs from the `<id>:<hex secret>`
 * admin key, bodies always wrapped (`{ posts: [...] }`), errors `{ errors: [...] }`.
 * Responses are parsed with zod; unknown fields pass through untouched.
 */

const ghostDate = z.string().nullable().optional();

export const ghostTagSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  description: z.string().nullable().optional(),
  feature_image: z.string().nullable().optional(),
  visibility: z.string().optional(),
  accent_color: z.string().nullable().optional(),
  meta_title: z.string().nullable().optional(),
  meta_description: z.string().nullable().optional(),
  og_image: z.string().nullable().optional(),
  og_title: z.string().nullable().optional(),
  og_description: z.string().nullable().optional(),
  twitter_image: z.string().nullable().optional(),
  twitter_title: z.string().nullable().optional(),
  twitter_description: z.string().nullable().optional(),
  canonical_url: z.string().nullable().optional(),
  updated_at: ghostDate,
});
export type GhostTag = z.infer<typeof ghostTagSchema>;

export const ghostAuthorSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  email: z.string().nullable().optional(),
  bio: z.string().nullable().optional(),
  profile_image: z.string().nullable().optional(),
  cover_image: z.string().nullable().optional(),
  website: z.string().nullable().optional(),
  location: z.string().nullable().optional(),
  facebook: z.string().nullable().optional(),
  twitter: z.string().nullable().optional(),
  meta_title: z.string().nullable().optional(),
  meta_description: z.string().nullable().optional(),
  updated_at: ghostDate,
});
export type GhostAuthor = z.infer<typeof ghostAuthorSchema>;

export const ghostPostSchema = z.looseObject({
  id: z.string(),
  uuid: z.string().optional(),
  title: z.string(),
  slug: z.string(),
  html: z.string().nullable().optional(),
  plaintext: z.string().nullable().optional(),
  lexical: z.string().nullable().optional(),
  mobiledoc: z.string().nullable().optional(),
  excerpt: z.string().nullable().optional(),
  custom_excerpt: z.string().nullable().optional(),
  feature_image: z.string().nullable().optional(),
  feature_image_alt: z.string().nullable().optional(),
  feature_image_caption: z.string().nullable().optional(),
  featured: z.boolean().optional(),
  status: z.string().optional(),
  visibility: z.string().optional(),
  created_at: ghostDate,
  updated_at: z.string(),
  published_at: ghostDate,
  reading_time: z.number().nullable().optional(),
  custom_template: z.string().nullable().optional(),
  canonical_url: z.string().nullable().optional(),
  meta_title: z.string().nullable().optional(),
  meta_description: z.string().nullable().optional(),
  og_image: z.string().nullable().optional(),
  og_title: z.string().nullable().optional(),
  og_description: z.string().nullable().optional(),
  twitter_image: z.string().nullable().optional(),
  twitter_title: z.string().nullable().optional(),
  twitter_description: z.string().nullable().optional(),
  show_title_and_feature_image: z.boolean().optional(),
  tags: z.array(ghostTagSchema).optional(),
  authors: z.array(ghostAuthorSchema).optional(),
});
export type GhostPost = z.infer<typeof ghostPostSchema>;

export const ghostNewsletterSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  description: z.string().nullable().optional(),
  status: z.string().optional(),
  visibility: z.string().optional(),
  sort_order: z.number().optional(),
  subscribe_on_signup: z.boolean().optional(),
  updated_at: ghostDate,
});
export type GhostNewsletter = z.infer<typeof ghostNewsletterSchema>;

export const ghostMemberSchema = z.looseObject({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable().optional(),
  newsletters: z.array(z.looseObject({ id: z.string() })).optional(),
  updated_at: ghostDate,
});
export type GhostMember = z.infer<typeof ghostMemberSchema>;

const paginationSchema = z.object({
  page: z.number(),
  limit: z.union([z.number(), z.literal('all')]),
  pages: z.number(),
  total: z.number(),
  next: z.number().nullable(),
  prev: z.number().nullable(),
});

const navItemSchema = z.object({ label: z.string(), url: z.string() });
export type GhostNavItem = z.infer<typeof navItemSchema>;

export type BrowseResource = 'posts' | 'pages' | 'tags' | 'users' | 'newsletters' | 'members';

const resourceSchemas = {
  posts: ghostPostSchema,
  pages: ghostPostSchema,
  tags: ghostTagSchema,
  users: ghostAuthorSchema,
  newsletters: ghostNewsletterSchema,
  members: ghostMemberSchema,
} as const;

type ResourceItem<R extends BrowseResource> = z.infer<(typeof resourceSchemas)[R]>;

/** A Ghost API error, with Ghost's own error type (e.g. `UpdateCollisionError`). */
export class GhostApiError extends Error {
  readonly status: number;
  readonly type: string | undefined;

  constructor(status: number, type: string | undefined, message: string) {
    super(message);
    this.status = status;
    this.type = type;
    this.name = 'GhostApiError';
  }
  get isCollision() {
    return this.status === 409 || this.type === 'UpdateCollisionError';
  }
}

export interface GhostClientOptions {
  url: string;
  adminApiKey: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface GhostClient {
  browse<R extends BrowseResource>(
    resource: R,
    params?: Record<string, string>,
  ): AsyncGenerator<ResourceItem<R>, void, undefined>;
  read<R extends 'posts' | 'pages'>(
    resource: R,
    id: string,
    params?: Record<string, string>,
  ): Promise<GhostPost>;
  navigation(): Promise<{ primary: GhostNavItem[]; secondary: GhostNavItem[] }>;
  editPost(
    resource: 'posts' | 'pages',
    id: string,
    body: Record<string, unknown> & { updated_at: string },
  ): Promise<GhostPost>;
  createPost(resource: 'posts' | 'pages', body: Record<string, unknown>): Promise<GhostPost>;
  deletePost(resource: 'posts' | 'pages', id: string): Promise<void>;
  findMemberByEmail(email: string): Promise<GhostMember | null>;
  createMember(body: {
    email: string;
    name?: string | null;
    newsletters?: { id: string }[];
  }): Promise<GhostMember>;
  setMemberNewsletters(id: string, newsletterIds: string[]): Promise<GhostMember>;
  /** A member by Ghost id, or null when Ghost has no such member (any more). */
  findMemberById(id: string): Promise<GhostMember | null>;
  /** Edits a member: its e-mail and name, and (replacing the set) its newsletters, when given. */
  updateMember(
    id: string,
    fields: { email?: string; name?: string | null; newsletters?: string[] },
  ): Promise<GhostMember>;
  /** Deletes a member (a closed account); a member already gone is not an error. */
  deleteMember(id: string): Promise<void>;
}

/** What a write asks Ghost to answer with (its default is Lexical alone). */
const WRITE_FORMATS = { formats: 'html,lexical,mobiledoc,plaintext', include: 'tags,authors' };

/** Formats a date the way Ghost's NQL filter matches on every database: UTC, space, no `T`/`Z`. */
export function ghostFilterDate(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

export function createGhostClient(options: GhostClientOptions): GhostClient {
  const base = `${options.url.replace(/\/+$/, '')}/ghost/api/admin`;
  const doFetch = options.fetch ?? fetch;
  const [keyId, secretHex] = options.adminApiKey.split(':') as [string, string];
  const secret = Buffer.from(secretHex, 'hex');

  async function token(): Promise<string> {
    // Ghost rejects tokens older than 5 minutes (checked from iat), so mint one per request.
    return new (jose().SignJWT)({})
      .setProtectedHeader({ alg: 'HS256', kid: keyId, typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .setAudience('/admin/')
      .sign(secret);
  }

  async function request(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Ghost ${await token()}`,
        'accept-version': 'v5.0',
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    if (res.status === 204) return null;
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new GhostApiError(res.status, undefined, `Ghost answered ${res.status} with a non-JSON body`);
    }
    if (!res.ok) {
      const first = (json as { errors?: { message?: string; type?: string }[] } | null)?.errors?.[0];
      throw new GhostApiError(res.status, first?.type, first?.message ?? `Ghost answered ${res.status}`);
    }
    return json;
  }

  function query(params: Record<string, string>): string {
    const q = new URLSearchParams(params).toString();
    return q ? `?${q}` : '';
  }

  return {
    async *browse(resource, params = {}) {
      const schema = resourceSchemas[resource];
      let page = 1;
      for (;;) {
        const body = (await request(
          'GET',
          `/${resource}/${query({ ...params, page: String(page) })}`,
        )) as Record<string, unknown>;
        const items = z.array(schema).parse(body[resource] ?? []);
        for (const item of items) yield item as ResourceItem<typeof resource>;
        const meta = paginationSchema.safeParse(
          (body.meta as { pagination?: unknown } | undefined)?.pagination,
        );
        if (!meta.success || meta.data.next === null || meta.data.next <= page) return;
        page = meta.data.next;
      }
    },
    async read(resource, id, params = {}) {
      const body = (await request('GET', `/${resource}/${id}/${query(params)}`)) as Record<string, unknown>;
      return z.array(ghostPostSchema).min(1).parse(body[resource])[0]!;
    },
    async navigation() {
      const body = (await request('GET', '/settings/')) as { settings?: { key: string; value: unknown }[] };
      const read = (key: string) => {
        const raw = body.settings?.find((s) => s.key === key)?.value;
        // Admin settings hold navigation as JSON strings (the Content API gives arrays).
        const parsed = typeof raw === 'string' ? JSON.parse(raw) : (raw ?? []);
        return z.array(navItemSchema).parse(parsed);
      };
      return { primary: read('navigation'), secondary: read('secondary_navigation') };
    },
    async editPost(resource, id, post) {
      // `?source=html` lets Ghost convert our HTML; never pass `newsletter=` (it e-mails members).
      // Ghost answers in Lexical only unless asked: the answer is applied as the truth, so ask
      // for the HTML and the relations too.
      const body = (await request(
        'PUT',
        `/${resource}/${id}/${query({ source: 'html', ...WRITE_FORMATS })}`,
        {
          [resource]: [post],
        },
      )) as Record<string, unknown>;
      return z.array(ghostPostSchema).min(1).parse(body[resource])[0]!;
    },
    async createPost(resource, post) {
      const body = (await request('POST', `/${resource}/${query({ source: 'html', ...WRITE_FORMATS })}`, {
        [resource]: [post],
      })) as Record<string, unknown>;
      return z.array(ghostPostSchema).min(1).parse(body[resource])[0]!;
    },
    async deletePost(resource, id) {
      await request('DELETE', `/${resource}/${id}/`);
    },
    async findMemberByEmail(email) {
      // NQL string literal: single quotes, with backslash-escaped quotes inside.
      const filter = `email:'${email.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
      const body = (await request('GET', `/members/${query({ filter })}`)) as { members?: unknown[] };
      const members = z.array(ghostMemberSchema).parse(body.members ?? []);
      return members[0] ?? null;
    },
    async createMember(member) {
      const body = (await request('POST', '/members/?send_email=false', { members: [member] })) as {
        members: unknown[];
      };
      return z.array(ghostMemberSchema).min(1).parse(body.members)[0]!;
    },
    async setMemberNewsletters(id, newsletterIds) {
      // The array replaces the member's set; [] unsubscribes from everything.
      const body = (await request('PUT', `/members/${id}/`, {
        members: [{ newsletters: newsletterIds.map((n) => ({ id: n })) }],
      })) as { members: unknown[] };
      return z.array(ghostMemberSchema).min(1).parse(body.members)[0]!;
    },
    async findMemberById(id) {
      try {
        const body = (await request('GET', `/members/${encodeURIComponent(id)}/`)) as { members?: unknown[] };
        return z.array(ghostMemberSchema).parse(body.members ?? [])[0] ?? null;
      } catch (err) {
        if (err instanceof GhostApiError && err.status === 404) return null;
        throw err;
      }
    },
    async updateMember(id, fields) {
      const member: Record<string, unknown> = {};
      if (fields.email !== undefined) member['email'] = fields.email;
      if (fields.name !== undefined) member['name'] = fields.name;
      if (fields.newsletters !== undefined)
        member['newsletters'] = fields.newsletters.map((n) => ({ id: n }));
      const body = (await request('PUT', `/members/${encodeURIComponent(id)}/`, { members: [member] })) as {
        members: unknown[];
      };
      return z.array(ghostMemberSchema).min(1).parse(body.members)[0]!;
    },
    async deleteMember(id) {
      try {
        await request('DELETE', `/members/${encodeURIComponent(id)}/`);
      } catch (err) {
        if (err instanceof GhostApiError && err.status === 404) return;
        throw err;
      }
    },
  };
}
