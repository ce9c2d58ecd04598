import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { jwtVerify } from 'jose';

type Json = Record<string, unknown>;

export interface GhostStubRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Json | null;
}

export interface GhostStub {
  url: string;
  /** The admin key the stub accepts (`<id>:<hex secret>`). */
  adminApiKey: string;
  requests: GhostStubRequest[];
  posts: Json[];
  pages: Json[];
  tags: Json[];
  users: Json[];
  newsletters: Json[];
  members: Json[];
  navigation: { primary: Json[]; secondary: Json[] };
  /** Answers the next matching request with this status and Ghost error body. */
  failNext(
    match: { method?: string; pathIncludes: string },
    status: number,
    type: string,
    message?: string,
  ): void;
  /**
   * Adds a post or page as Ghost would hold it (ids, uuid, times, plaintext, excerpt, tags and
   * authors resolved as Ghost resolves them) and returns it.
   */
  addPost(resource: 'posts' | 'pages', fields: Json): Json;
  /** Stops listening (connections are refused, as with a Ghost that is down) until `comeBack`. */
  goDown(): Promise<void>;
  /** Listens again on the same port. */
  comeBack(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_KEY =
  '6b08a57f249c9e3c394a3a01:3f1ab4c9d8e7f60123456789abcdef0123456789abcdef0123456789abcdef01';

/**
 * A local server that speaks the Ghost 5 Admin API as the recorded traffic shows it (JWT
 * auth, wrapped bodies, pagination meta, NQL `updated_at` filters, `updated_at` collision
 * checks on edit, members and newsletters), seeded from the recorded fixture files. Writes
 * behave as a real Ghost 5.130 was seen to behave (GHOST.md): slugs de-duplicated across posts
 * and pages, tags resolved (a `#name` becomes an internal `hash-` tag), authors resolved by id
 * or e-mail (the integration's owner by default), 422 for a schedule without `published_at`,
 * a past `published_at` publishing at once, plaintext and excerpt computed.
 */
export async function startGhostStub(options: {
  fixturesDir: string;
  adminApiKey?: string;
}): Promise<GhostStub> {
  const adminApiKey = options.adminApiKey ?? DEFAULT_KEY;
  const [keyId, secretHex] = adminApiKey.split(':') as [string, string];
  const secret = Buffer.from(secretHex, 'hex');
  const load = (name: string) => JSON.parse(readFileSync(join(options.fixturesDir, name), 'utf8'));

  const adminPosts = load('admin-posts-browse.json').posts as Json[];
  // The recording holds page 1 of the admin browse; the third post (page 2) is recorded in its
  // Content API shape, with its admin status in the filtered browse.
  const statusById = new Map(
    (load('admin-posts-filter-updated.json').posts as Json[]).map((p) => [p.id as string, p.status]),
  );
  const extra = (load('content-posts-browse.json').posts as Json[])
    .filter((p) => !adminPosts.some((a) => a.id === p.id))
    .map((p) => ({
      ...p,
      status: statusById.get(p.id as string) ?? 'published',
      lexical: null,
      mobiledoc: null,
    }));
  const navigation = Object.fromEntries(
    (load('admin-settings-navigation.json') as { key: string; value: string }[]).map((s) => [s.key, s.value]),
  );

  const stub: GhostStub = {
    url: '',
    adminApiKey,
    requests: [],
    posts: [...adminPosts, ...extra],
    pages: load('admin-pages-browse.json').pages,
    tags: load('admin-tags-browse.json').tags,
    users: load('admin-users-browse.json').users,
    newsletters: load('admin-newsletters.json').newsletters,
    members: [],
    navigation: {
      primary: JSON.parse(navigation.navigation ?? '[]'),
      secondary: JSON.parse(navigation.secondary_navigation ?? '[]'),
    },
    failNext(match, status, type, message) {
      failures.push({ ...match, status, type, ...(message ? { message } : {}) });
    },
    addPost(resource, fields) {
      const now = new Date().toISOString();
      const created = normalise(resource, { status: 'draft', visibility: 'public', ...fields }, null, now);
      if ('error' in created) throw new Error(created.error.message);
      stub[resource].push(created.post);
      return created.post;
    },
    goDown: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    comeBack: () => new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve())),
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  let port = 0;
  const failures: {
    method?: string;
    pathIncludes: string;
    status: number;
    type: string;
    message?: string;
  }[] = [];

  const randomId = () =>
    Array.from({ length: 24 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
  const slugify = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'untitled';
  const plain = (html: string) =>
    html
      .replace(/<(br|\/p|\/h\d|\/li|\/figure)\s*\/?>/gi, '\n')
      .replace(/<[^>]+>/g, '')
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .trim();

  /** Ghost's tag resolution: by id, then slug, then name; an unknown name is created (`#x` internal). */
  function resolveTag(ref: unknown): Json {
    const r: Json = typeof ref === 'string' ? { name: ref } : (ref as Json);
    const found =
      (r.id ? stub.tags.find((t) => t.id === r.id) : undefined) ??
      (r.slug ? stub.tags.find((t) => t.slug === r.slug) : undefined) ??
      (r.name ? stub.tags.find((t) => t.name === r.name) : undefined);
    if (found) return found;
    const name = String(r.name ?? r.slug);
    const internal = name.startsWith('#');
    const now = new Date().toISOString();
    const tag: Json = {
      id: randomId(),
      name,
      slug: internal ? `hash-${slugify(name.slice(1))}` : slugify(name),
      description: null,
      feature_image: null,
      visibility: internal ? 'internal' : 'public',
      created_at: now,
      updated_at: now,
    };
    stub.tags.push(tag);
    return tag;
  }

  /** Ghost's author resolution: by id, then e-mail (a string is an e-mail). */
  function resolveAuthor(ref: unknown): Json | null {
    const r: Json = typeof ref === 'string' ? { email: ref } : (ref as Json);
    return (
      (r.id ? stub.users.find((u) => u.id === r.id) : undefined) ??
      (r.email ? stub.users.find((u) => u.email === r.email) : undefined) ??
      null
    );
  }

  /** Posts and pages share one slug space; a taken slug gets `-2`, `-3`… as Ghost does. */
  function freeSlug(wanted: string, ownId: string | null): string {
    const taken = (slug: string) =>
      [...stub.posts, ...stub.pages].some((p) => p.slug === slug && p.id !== ownId);
    if (!taken(wanted)) return wanted;
    for (let n = 2; ; n++) if (!taken(`${wanted}-${n}`)) return `${wanted}-${n}`;
  }

  /**
   * What Ghost stores for a create (current null) or an edit: de-duplicated slug, tags and
   * authors resolved, a schedule that needs a `published_at` (422 without one; a past one
   * publishes at once, as observed), plaintext and excerpt from the HTML.
   */
  function normalise(
    resource: 'posts' | 'pages',
    incoming: Json,
    current: Json | null,
    updatedAt: string,
  ): { post: Json } | { error: { status: number; type: string; message: string } } {
    const merged: Json = { ...(current ?? {}), ...incoming };
    const id = (current?.id as string | undefined) ?? randomId();
    const now = new Date();
    let status = String(merged.status ?? 'draft');
    let publishedAt = (merged.published_at as string | null | undefined) ?? null;
    if (status === 'scheduled') {
      if (!publishedAt) {
        return {
          error: { status: 422, type: 'ValidationError', message: 'Value in published_at cannot be blank.' },
        };
      }
      if (new Date(publishedAt).getTime() <= now.getTime()) status = 'published';
    }
    if (status === 'published' && !publishedAt) publishedAt = now.toISOString();
    const html = (merged.html as string | null | undefined) ?? '';
    const plaintext = plain(html);
    const tags = Array.isArray(incoming.tags)
      ? (incoming.tags as unknown[]).map(resolveTag)
      : ((current?.tags as Json[] | undefined) ?? []);
    let authors = Array.isArray(incoming.authors)
      ? (incoming.authors as unknown[]).map(resolveAuthor).filter((a): a is Json => a !== null)
      : ((current?.authors as Json[] | undefined) ?? []);
    // The integration's owner writes when nobody else is named.
    if (!authors.length && stub.users[0]) authors = [stub.users[0]];
    const post: Json = {
      visibility: 'public',
      featured: false,
      feature_image: null,
      feature_image_alt: null,
      feature_image_caption: null,
      custom_excerpt: null,
      ...merged,
      id,
      uuid: (current?.uuid as string | undefined) ?? randomUUID(),
      slug: freeSlug(String(merged.slug ?? slugify(String(merged.title ?? ''))), current ? id : null),
      status,
      published_at: publishedAt,
      html,
      plaintext,
      excerpt: (merged.custom_excerpt as string | null | undefined) ?? plaintext.slice(0, 500),
      reading_time: Math.round(plaintext.split(/\s+/).filter(Boolean).length / 275),
      tags,
      authors,
      primary_tag: tags[0] ?? null,
      primary_author: authors[0] ?? null,
      created_at: (current?.created_at as string | undefined) ?? updatedAt,
      updated_at: updatedAt,
      url: `${stub.url}/${resource === 'pages' ? '' : 'p/'}${id}/`,
    };
    return { post };
  }

  async function authorised(req: IncomingMessage): Promise<boolean> {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Ghost ')) return false;
    try {
      const { protectedHeader, payload } = await jwtVerify(header.slice(6), secret, {
        audience: '/admin/',
        algorithms: ['HS256'],
        maxTokenAge: '5m',
      });
      return protectedHeader.kid === keyId && typeof payload.iat === 'number';
    } catch {
      return false;
    }
  }

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as Json) : null;
    const path = url.pathname.replace(/^\/ghost\/api\/admin/, '');
    stub.requests.push({ method: req.method ?? 'GET', path, query: url.searchParams, body });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    const error = (status: number, type: string, message: string) =>
      send(status, { errors: [{ message, type, context: null, code: null }] });

    if (!url.pathname.startsWith('/ghost/api/admin/'))
      return error(404, 'NotFoundError', 'Resource not found');
    if (!(await authorised(req))) return error(401, 'UnauthorizedError', 'Authorization failed');
    const failure = failures.findIndex(
      (f) => path.includes(f.pathIncludes) && (!f.method || f.method === req.method),
    );
    if (failure >= 0) {
      const [f] = failures.splice(failure, 1);
      return error(f!.status, f!.type, f!.message ?? `${f!.type} (stubbed)`);
    }

    const [, resource, id] = path.split('/') as [string, string, string | undefined];
    const collections: Record<string, Json[]> = {
      posts: stub.posts,
      pages: stub.pages,
      tags: stub.tags,
      users: stub.users,
      newsletters: stub.newsletters,
      members: stub.members,
    };
    if (resource === 'settings' && req.method === 'GET') {
      return send(200, {
        settings: [
          { key: 'navigation', value: JSON.stringify(stub.navigation.primary) },
          { key: 'secondary_navigation', value: JSON.stringify(stub.navigation.secondary) },
        ],
      });
    }
    if (resource === 'settings')
      return error(
        501,
        'NotImplementedError',
        'The server does not support the functionality required to fulfill the request.',
      );
    const items = collections[resource];
    if (!items) return error(404, 'NotFoundError', 'Resource not found');

    if (req.method === 'GET' && !id) {
      let list = [...items];
      const filter = url.searchParams.get('filter');
      if (filter) {
        const since = /^updated_at:>='(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)'$/.exec(filter);
        const email = /^email:'(.*)'$/.exec(filter);
        if (since) {
          const t = new Date(`${since[1]!.replace(' ', 'T')}Z`).getTime();
          list = list.filter((p) => new Date(p.updated_at as string).getTime() >= t);
        } else if (email) {
          list = list.filter((m) => m.email === email[1]);
        } else {
          return error(400, 'BadRequestError', `Unsupported filter in stub: ${filter}`);
        }
      }
      if ((url.searchParams.get('order') ?? '').startsWith('updated_at')) {
        list.sort((a, b) => String(a.updated_at).localeCompare(String(b.updated_at)));
      }
      const limitParam = url.searchParams.get('limit') ?? '15';
      const limit = limitParam === 'all' ? Math.max(list.length, 1) : Number(limitParam);
      const page = Number(url.searchParams.get('page') ?? '1');
      const pages = Math.max(1, Math.ceil(list.length / limit));
      return send(200, {
        [resource]: list.slice((page - 1) * limit, page * limit),
        meta: {
          pagination: {
            page,
            limit: limitParam === 'all' ? 'all' : limit,
            pages,
            total: list.length,
            next: page < pages ? page + 1 : null,
            prev: page > 1 ? page - 1 : null,
          },
        },
      });
    }
    const index = id ? items.findIndex((p) => p.id === id) : -1;
    if (req.method === 'GET') {
      return index < 0
        ? error(404, 'NotFoundError', 'Resource not found')
        : send(200, { [resource]: [items[index]] });
    }
    const incoming = ((body?.[resource] as Json[] | undefined) ?? [])[0];
    if (req.method === 'POST' && !id && (resource === 'posts' || resource === 'pages')) {
      if (!incoming) return error(422, 'ValidationError', 'Missing body');
      const created = normalise(resource, incoming, null, new Date().toISOString());
      if ('error' in created) return error(created.error.status, created.error.type, created.error.message);
      items.push(created.post);
      return send(201, { [resource]: [created.post] });
    }
    if (req.method === 'POST' && !id) {
      if (!incoming) return error(422, 'ValidationError', 'Missing body');
      const now = new Date().toISOString();
      const created: Json = {
        ...incoming,
        id: Math.random().toString(16).slice(2, 14).padEnd(24, '0'),
        created_at: now,
        updated_at: now,
        ...(resource === 'members'
          ? {
              newsletters: ((incoming.newsletters as Json[] | undefined) ?? []).map(
                (n) => stub.newsletters.find((x) => x.id === n.id) ?? n,
              ),
            }
          : {}),
      };
      items.push(created);
      return send(201, { [resource]: [created] });
    }
    if (index < 0) return error(404, 'NotFoundError', 'Resource not found');
    if (req.method === 'DELETE') {
      items.splice(index, 1);
      return send(204, undefined);
    }
    if (req.method === 'PUT') {
      if (!incoming) return error(422, 'ValidationError', 'Missing body');
      const current = items[index]!;
      if (resource === 'posts' || resource === 'pages') {
        if (!incoming.updated_at) return error(422, 'ValidationError', 'Validation error, cannot edit post.');
        if (
          new Date(incoming.updated_at as string).getTime() !==
          new Date(current.updated_at as string).getTime()
        ) {
          return error(409, 'UpdateCollisionError', 'Saving failed! Someone else is editing this post.');
        }
      }
      const updatedAt = new Date(
        Math.max(Date.now(), new Date(current.updated_at as string).getTime() + 1000),
      ).toISOString();
      let next: Json = { ...current, ...incoming, updated_at: updatedAt };
      if (resource === 'posts' || resource === 'pages') {
        const edited = normalise(resource, incoming, current, updatedAt);
        if ('error' in edited) return error(edited.error.status, edited.error.type, edited.error.message);
        next = edited.post;
      }
      if (resource === 'members' && incoming.newsletters) {
        next.newsletters = (incoming.newsletters as Json[]).map(
          (n) => stub.newsletters.find((x) => x.id === n.id) ?? n,
        );
      }
      items[index] = next;
      return send(200, { [resource]: [next] });
    }
    return error(405, 'MethodNotAllowedError', 'Method not allowed');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  stub.url = `http://127.0.0.1:${port}`;
  return stub;
}
