import { RemoteFetchError, type RemoteFetchOptions, remoteFetch } from './remote-fetch.ts';

/** Mastodon's (OStatus's) remote-follow link: `template` with `{uri}` for the account to follow. */
export const SUBSCRIBE_REL = 'http://ostatus.org/schema/1.0/subscribe';

export interface WebfingerResult {
  subject: string | null;
  /** The `self` link: the actor's ActivityPub id. */
  actorUri: string | null;
  /** The remote-follow template, when the server offers one. */
  subscribeTemplate: string | null;
}

/**
 * `user@host` (or `@user@host`, `acct:user@host`) split and lower-cased, or null. Hosts may
 * carry a port. Nothing else is accepted: the host part goes into a URL we fetch.
 */
export function parseAcct(value: string): { username: string; host: string } | null {
  const m = /^(?:acct:)?@?([a-zA-Z0-9_.-]{1,64})@([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*(?::\d{1,5})?)$/.exec(
    value.trim(),
  );
  if (!m?.[1] || !m[2]) return null;
  return { username: m[1].toLowerCase(), host: m[2].toLowerCase() };
}

/**
 * The scheme to reach another server with: always https, except where loopback servers are
 * allowed (tests, whose stub servers speak plain HTTP on 127.0.0.1).
 */
export function remoteScheme(options: RemoteFetchOptions): 'https' | 'http' {
  return options.allowPrivateAddress ? 'http' : 'https';
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'https:' || protocol === 'http:';
}

/**
 * WebFinger lookup of `acct:user@host` through the guarded fetch (timeouts, size limit, no
 * private addresses). Answers null for 404/410; throws RemoteFetchError when the server cannot
 * be reached or answers nonsense.
 */
export async function webfinger(
  acct: { username: string; host: string },
  options: RemoteFetchOptions,
): Promise<WebfingerResult | null> {
  const resource = `acct:${acct.username}@${acct.host}`;
  const url = `${remoteScheme(options)}://${acct.host}/.well-known/webfinger?resource=${encodeURIComponent(resource)}`;
  const response = await remoteFetch(
    url,
    { headers: { accept: 'application/jrd+json, application/json' } },
    options,
  );
  if (response.status === 404 || response.status === 410) return null;
  if (response.status < 200 || response.status >= 300) {
    throw new RemoteFetchError(`WebFinger at ${acct.host} answered ${response.status}`, response.status);
  }
  let jrd: unknown;
  try {
    jrd = JSON.parse(response.body);
  } catch {
    throw new RemoteFetchError(`WebFinger at ${acct.host}: not JSON`, response.status);
  }
  if (!jrd || typeof jrd !== 'object' || Array.isArray(jrd)) {
    throw new RemoteFetchError(`WebFinger at ${acct.host}: not a JRD`, response.status);
  }
  const doc = jrd as Record<string, unknown>;
  const links = Array.isArray(doc['links']) ? (doc['links'] as unknown[]) : [];
  let actorUri: string | null = null;
  let subscribeTemplate: string | null = null;
  for (const raw of links) {
    if (!raw || typeof raw !== 'object') continue;
    const link = raw as Record<string, unknown>;
    const type = typeof link['type'] === 'string' ? link['type'] : '';
    if (
      link['rel'] === 'self' &&
      /application\/(activity|ld)\+json/.test(type) &&
      isHttpUrl(link['href']) &&
      !actorUri
    ) {
      actorUri = link['href'];
    }
    if (link['rel'] === SUBSCRIBE_REL && typeof link['template'] === 'string' && !subscribeTemplate) {
      subscribeTemplate = link['template'];
    }
  }
  return { subject: typeof doc['subject'] === 'string' ? doc['subject'] : null, actorUri, subscribeTemplate };
}

/**
 * The remote-follow URL for `targetUri` from a subscribe template, or null when the result is
 * not an http(s) URL (a template is remote input: `javascript:` must never become a redirect).
 */
export function subscribeUrl(template: string, targetUri: string): string | null {
  if (!template.includes('{uri}')) return null;
  const url = template.replace('{uri}', encodeURIComponent(targetUri));
  return isHttpUrl(url) ? url : null;
}
