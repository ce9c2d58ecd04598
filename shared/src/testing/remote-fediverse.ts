/**
 * A stand-in "remote server" for ActivityPub tests, written independently of Fedify: plain
 * node:http and node:crypto draft-cavage HTTP Signatures. It hosts actor documents and inboxes
 * on loopback, records every POST it receives and checks its signature against the sender's
 * public key fetched over HTTP, and answers with programmable status sequences (500, 500, 202).
 *
 * Like a Mastodon server it also answers WebFinger (with a remote-follow subscribe template),
 * serves its actors' outboxes and notes, answers a `Follow` by itself (`Accept`, `Reject`, or
 * nothing for a manual-approval account until the test calls `answerFollow`), and can misbehave
 * (answer slowly, or with garbage) to show that nothing of ours waits on it.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RemoteActor {
  username: string;
  id: string;
  inbox: string;
  sharedInbox: string | null;
  keyId: string;
  /** What the actor does with a `Follow`: accept at once, refuse, or wait (manual approval). */
  onFollow: 'accept' | 'reject' | 'manual';
  name: string | null;
  summary: string | null;
  iconUrl: string | null;
}

export interface AddActorOptions {
  sharedInbox?: boolean;
  onFollow?: RemoteActor['onFollow'];
  name?: string;
  summary?: string;
  iconUrl?: string;
}

/** How the server misbehaves for GETs: answer after `delayMs`, or with garbage. */
export type Misbehaviour = { kind: 'slow'; delayMs: number } | { kind: 'garbage' } | null;

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';

export interface ReceivedPost {
  path: string;
  headers: Record<string, string>;
  body: string;
  json: Record<string, unknown> | null;
  /** The `keyId` the request was signed with, when signed. */
  keyId: string | null;
  /** True when the signature and digest verified against the key fetched from `keyId`. */
  verified: boolean;
  verifyError: string | null;
  status: number;
}

export interface SignedPostOptions {
  /** Sign with this actor's key id but put another `actor` in the body, etc. Default: actor. */
  keyId?: string;
  /** The Date header (default now). */
  date?: Date;
  /** Send a Digest that does not match the body. */
  tamperDigest?: boolean;
  unsigned?: boolean;
  /** The headers covered by the signature (default `(request-target) host date digest`). */
  signedHeaders?: string[];
}

function parseSignatureHeader(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) params[m[1] as string] = m[2] as string;
  return params;
}

function digestOf(body: string): string {
  return `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export class RemoteFediverse {
  readonly received: ReceivedPost[] = [];
  /** Paths of every GET served (actor documents, keys). */
  readonly fetched: string[] = [];
  private readonly actors = new Map<string, RemoteActor>();
  private readonly scripted = new Map<string, number[]>();
  /** Notes by id, and each actor's outbox (Create activities, newest first). */
  private readonly notes = new Map<string, Record<string, unknown>>();
  private readonly outboxes = new Map<string, Record<string, unknown>[]>();
  /** Follows received, by Follow id, so a manual-approval actor can answer later. */
  readonly follows = new Map<string, { actor: RemoteActor; follow: Record<string, unknown> }>();
  private misbehaviour: Misbehaviour = null;
  /** Slow answers in progress; closing the server ends them at once. */
  private readonly delays = new Set<() => void>();
  private readonly pending = new Set<Promise<unknown>>();
  private keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private publicKeyPem = this.keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();

  private readonly server: Server;
  readonly origin: string;

  private constructor(server: Server, origin: string) {
    this.server = server;
    this.origin = origin;
  }

  /** Starts a server on 127.0.0.1 (a free port). */
  static async start(): Promise<RemoteFediverse> {
    let instance: RemoteFediverse | undefined;
    const server = createServer((req, res) => {
      instance?.handle(req).then(
        ({ status, type, body }) => {
          res.writeHead(status, { 'content-type': type });
          res.end(body);
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(err.message);
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    instance = new RemoteFediverse(server, `http://127.0.0.1:${port}`);
    return instance;
  }

  get host(): string {
    return new URL(this.origin).host;
  }

  /**
   * Adds an actor; with `sharedInbox` its server-wide inbox is advertised. By default it
   * accepts follows at once (`onFollow`).
   */
  addActor(username: string, options: AddActorOptions = {}): RemoteActor {
    const id = `${this.origin}/users/${username}`;
    const actor: RemoteActor = {
      username,
      id,
      inbox: `${id}/inbox`,
      sharedInbox: options.sharedInbox ? `${this.origin}/inbox` : null,
      keyId: `${id}#main-key`,
      onFollow: options.onFollow ?? 'accept',
      name: options.name ?? null,
      summary: options.summary ?? null,
      iconUrl: options.iconUrl ?? null,
    };
    this.actors.set(username, actor);
    return actor;
  }

  /** Makes every GET slow or garbage (or normal again with null). */
  misbehave(misbehaviour: Misbehaviour): void {
    this.misbehaviour = misbehaviour;
  }

  /**
   * A public note by `actor` (in its outbox and served at its id) and its `Create`, ready to
   * deliver. `extra` overrides any field of the note (inReplyTo, to, cc, tag, content, ...).
   */
  note(
    actor: RemoteActor,
    content: string,
    extra: Record<string, unknown> = {},
  ): { note: Record<string, unknown>; create: Record<string, unknown> } {
    const id = `${actor.id}/statuses/${randomUUID()}`;
    const note: Record<string, unknown> = {
      id,
      type: 'Note',
      attributedTo: actor.id,
      content,
      url: id,
      published: new Date().toISOString(),
      to: [PUBLIC],
      cc: [`${actor.id}/followers`],
      ...extra,
    };
    const create = {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${id}/activity`,
      type: 'Create',
      actor: actor.id,
      published: note['published'],
      to: note['to'],
      cc: note['cc'],
      object: note,
    };
    this.notes.set(id, note);
    this.outboxes.set(actor.id, [create, ...(this.outboxes.get(actor.id) ?? [])]);
    return { note, create };
  }

  /** The `Follow`s this server's actors received, oldest first. */
  followsFor(actor: RemoteActor): Record<string, unknown>[] {
    return [...this.follows.values()].filter((f) => f.actor === actor).map((f) => f.follow);
  }

  /** Answers a received `Follow` (a manual-approval account deciding): signed Accept or Reject. */
  async answerFollow(
    followId: string,
    answer: 'Accept' | 'Reject',
  ): Promise<{ status: number; body: string }> {
    const entry = this.follows.get(followId);
    if (!entry) throw new Error(`no Follow ${followId} received`);
    const follower = String(entry.follow['actor']);
    const inbox = await this.inboxOf(follower);
    return this.signedPost(entry.actor, inbox, {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${entry.actor.id}#${answer.toLowerCase()}s/${randomUUID()}`,
      type: answer,
      actor: entry.actor.id,
      object: entry.follow,
    });
  }

  /** The inbox of an actor on another server (ours, in tests), from its document. */
  async inboxOf(actorUri: string): Promise<string> {
    const response = await fetch(actorUri, { headers: { accept: 'application/activity+json' } });
    const doc = (await response.json()) as Record<string, unknown>;
    const endpoints = doc['endpoints'] as Record<string, string> | undefined;
    return String(endpoints?.['sharedInbox'] ?? doc['inbox']);
  }

  /** Waits for the server's own follow-ups (automatic Accept / Reject) to be sent. */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** Replaces the server's key pair (same key ids), as a key rotation would. */
  rotateKey(): void {
    this.keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.publicKeyPem = this.keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** The next answers of an inbox path (e.g. `/inbox`), in order; afterwards 202. */
  respondWith(path: string, statuses: number[]): void {
    this.scripted.set(path, [...statuses]);
  }

  postsTo(path: string): ReceivedPost[] {
    return this.received.filter((p) => p.path === path);
  }

  /** Polls until `predicate` holds (or fails after `timeoutMs`). */
  async waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > until) throw new Error('RemoteFediverse.waitFor timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** POSTs `body` to `url` signed (draft-cavage, rsa-sha256) as `actor`. */
  async signedPost(
    actor: RemoteActor,
    url: string,
    body: Record<string, unknown>,
    options: SignedPostOptions = {},
  ): Promise<{ status: number; body: string }> {
    const text = JSON.stringify(body);
    const target = new URL(url);
    const date = (options.date ?? new Date()).toUTCString();
    const digest = options.tamperDigest ? digestOf(`${text} `) : digestOf(text);
    const headers: Record<string, string> = {
      host: target.host,
      date,
      digest,
      'content-type': 'application/activity+json',
    };
    if (!options.unsigned) {
      const signed = options.signedHeaders ?? ['(request-target)', 'host', 'date', 'digest'];
      const signingString = signed
        .map((h) =>
          h === '(request-target)'
            ? `(request-target): post ${target.pathname}${target.search}`
            : `${h}: ${headers[h]}`,
        )
        .join('\n');
      const signature = sign('sha256', Buffer.from(signingString), this.keys.privateKey).toString('base64');
      headers['signature'] =
        `keyId="${options.keyId ?? actor.keyId}",algorithm="rsa-sha256",headers="${signed.join(' ')}",signature="${signature}"`;
    }
    const response = await fetch(url, { method: 'POST', headers, body: text });
    return { status: response.status, body: await response.text() };
  }

  async close(): Promise<void> {
    for (const finish of this.delays) finish();
    await this.settle();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; type: string; body: string }> {
    const url = new URL(req.url ?? '/', this.origin);
    const path = url.pathname;
    if (req.method === 'GET') {
      this.fetched.push(path);
      const misbehaviour = this.misbehaviour;
      if (misbehaviour?.kind === 'slow') await this.delay(misbehaviour.delayMs);
      if (misbehaviour?.kind === 'garbage') {
        return {
          status: 200,
          type: 'application/activity+json',
          body: `\u0000{"id": <<garbage>> ${'x'.repeat(2_000)}`,
        };
      }
      return this.answerGet(url);
    }
    if (req.method !== 'POST') return { status: 405, type: 'text/plain', body: '' };
    const body = await readBody(req);
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
    );
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {
      json = null;
    }
    const check = await this.verifyIncoming(req.method, req.url ?? '/', headers, body);
    const queue = this.scripted.get(path);
    const status = queue?.length ? (queue.shift() as number) : 202;
    this.received.push({ path, headers, body, json, ...check, status });
    if (status < 300 && check.verified && json?.['type'] === 'Follow') this.onFollow(json);
    return { status, type: 'text/plain', body: '' };
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.delays.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.delays.add(finish);
    });
  }

  /** A Follow of one of our actors: remembered, and answered unless the actor approves by hand. */
  private onFollow(follow: Record<string, unknown>): void {
    const target = typeof follow['object'] === 'string' ? follow['object'] : null;
    const actor = [...this.actors.values()].find((a) => a.id === target);
    if (!actor || typeof follow['id'] !== 'string') return;
    this.follows.set(follow['id'], { actor, follow });
    if (actor.onFollow === 'manual') return;
    const answer = actor.onFollow === 'accept' ? 'Accept' : 'Reject';
    const sent = this.answerFollow(follow['id'], answer).catch(() => undefined);
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  private answerGet(url: URL): { status: number; type: string; body: string } {
    const path = url.pathname;
    const json = (doc: unknown, type = 'application/activity+json') => ({
      status: 200,
      type,
      body: JSON.stringify(doc),
    });
    if (path === '/.well-known/webfinger') {
      const m = /^acct:([^@]+)@(.+)$/.exec(url.searchParams.get('resource') ?? '');
      const actor = m && m[2] === this.host ? this.actors.get(m[1] as string) : undefined;
      if (!actor) return { status: 404, type: 'text/plain', body: 'not found' };
      return json(
        {
          subject: `acct:${actor.username}@${this.host}`,
          aliases: [actor.id],
          links: [
            { rel: 'self', type: 'application/activity+json', href: actor.id },
            {
              rel: 'http://ostatus.org/schema/1.0/subscribe',
              template: `${this.origin}/authorize_interaction?uri={uri}`,
            },
          ],
        },
        'application/jrd+json',
      );
    }
    const note = this.notes.get(`${this.origin}${path}`);
    if (note) return json({ '@context': 'https://www.w3.org/ns/activitystreams', ...note });
    const m = /^\/users\/([^/]+)(\/outbox)?$/.exec(path);
    const actor = m ? this.actors.get(m[1] as string) : undefined;
    if (!actor) return { status: 404, type: 'text/plain', body: 'not found' };
    if (!m?.[2]) return json(this.actorDocument(actor));
    const items = this.outboxes.get(actor.id) ?? [];
    const outbox = `${actor.id}/outbox`;
    if (url.searchParams.get('page') !== 'true') {
      return json({
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: outbox,
        type: 'OrderedCollection',
        totalItems: items.length,
        first: `${outbox}?page=true`,
      });
    }
    return json({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${outbox}?page=true`,
      type: 'OrderedCollectionPage',
      partOf: outbox,
      orderedItems: items.slice(0, 20),
    });
  }

  private actorDocument(actor: RemoteActor) {
    return {
      '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'],
      id: actor.id,
      type: 'Person',
      preferredUsername: actor.username,
      ...(actor.name ? { name: actor.name } : {}),
      ...(actor.summary ? { summary: actor.summary } : {}),
      ...(actor.iconUrl ? { icon: { type: 'Image', mediaType: 'image/png', url: actor.iconUrl } } : {}),
      url: `${this.origin}/@${actor.username}`,
      manuallyApprovesFollowers: actor.onFollow === 'manual',
      inbox: actor.inbox,
      outbox: `${actor.id}/outbox`,
      followers: `${actor.id}/followers`,
      ...(actor.sharedInbox ? { endpoints: { sharedInbox: actor.sharedInbox } } : {}),
      publicKey: { id: actor.keyId, owner: actor.id, publicKeyPem: this.publicKeyPem },
    };
  }

  /** Independent draft-cavage verification: digest, then the signature with the fetched key. */
  private async verifyIncoming(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ keyId: string | null; verified: boolean; verifyError: string | null }> {
    const header = headers['signature'];
    if (!header) return { keyId: null, verified: false, verifyError: 'unsigned' };
    const params = parseSignatureHeader(header);
    const keyId = params['keyId'] ?? null;
    try {
      if (!keyId || !params['signature'] || !params['headers'])
        throw new Error('incomplete Signature header');
      const signed = params['headers'].split(' ');
      for (const required of ['(request-target)', 'host', 'date', 'digest']) {
        if (!signed.includes(required)) throw new Error(`${required} not signed`);
      }
      const digestHeader = headers['digest'] ?? '';
      if (
        !digestHeader
          .split(',')
          .map((d) => d.trim())
          .includes(digestOf(body))
      ) {
        throw new Error('digest mismatch');
      }
      const response = await fetch(keyId, { headers: { accept: 'application/activity+json' } });
      if (!response.ok) throw new Error(`key fetch answered ${response.status}`);
      const doc = (await response.json()) as Record<string, unknown>;
      const publicKey = doc['publicKey'] as Record<string, string> | undefined;
      if (!publicKey || publicKey['id'] !== keyId) throw new Error('key id not in the document');
      if (publicKey['owner'] !== doc['id']) throw new Error('key owner is not the actor');
      const signingString = signed
        .map((h) =>
          h === '(request-target)'
            ? `(request-target): ${method.toLowerCase()} ${url}`
            : `${h}: ${headers[h] ?? ''}`,
        )
        .join('\n');
      const ok = verify(
        'sha256',
        Buffer.from(signingString),
        createPublicKey(publicKey['publicKeyPem'] as string),
        Buffer.from(params['signature'], 'base64'),
      );
      return ok
        ? { keyId, verified: true, verifyError: null }
        : { keyId, verified: false, verifyError: 'bad signature' };
    } catch (err) {
      return { keyId, verified: false, verifyError: (err as Error).message };
    }
  }
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * What a Mobilizon instance needs to read an incoming `Create`/`Update` of an `Event` (from its
 * ActivityPub converter): the Mobilizon and schema.org context on the activity, and on the
 * object `name`, `content`, `startTime` (and `endTime`) with an offset, `timezone`, `url` equal
 * to `id`, `attributedTo`, a `Place` location with a `PostalAddress`. Returns the problems
 * found (empty when it would be read).
 */
export function mobilizonEventProblems(activity: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const context = JSON.stringify(activity['@context'] ?? null);
  if (!context.includes('https://www.w3.org/ns/activitystreams'))
    problems.push('@context: no ActivityStreams');
  if (!context.includes('"mz":"https://joinmobilizon.org/ns#"')) problems.push('@context: no mz');
  if (!context.includes('"sc":"http://schema.org#"')) problems.push('@context: no sc');
  const event = activity['object'] as Record<string, unknown> | undefined;
  if (!event || typeof event !== 'object') return [...problems, 'object: missing'];
  const str = (key: string) => typeof event[key] === 'string' && (event[key] as string).length > 0;
  if (event['type'] !== 'Event') problems.push(`type: ${String(event['type'])}, not Event`);
  for (const key of ['id', 'name', 'content', 'attributedTo', 'timezone', 'url']) {
    if (!str(key)) problems.push(`${key}: missing`);
  }
  if (event['url'] !== event['id']) problems.push('url: differs from id');
  if (!ISO_WITH_OFFSET.test(String(event['startTime'] ?? '')))
    problems.push('startTime: not ISO 8601 with an offset');
  if (event['endTime'] !== undefined && !ISO_WITH_OFFSET.test(String(event['endTime'])))
    problems.push('endTime: not ISO 8601 with an offset');
  if (str('timezone')) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: event['timezone'] as string });
    } catch {
      problems.push('timezone: not an IANA zone');
    }
  }
  const location = event['location'] as Record<string, unknown> | undefined;
  if (location?.['type'] !== 'Place') problems.push('location: not a Place');
  const address = location?.['address'] as Record<string, unknown> | undefined;
  if (address?.['type'] !== 'PostalAddress') problems.push('location.address: not a PostalAddress');
  if (activity['type'] === 'Update' && typeof event['updated'] !== 'string')
    problems.push('updated: missing on an Update');
  return problems;
}
