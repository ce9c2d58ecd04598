import type { KeyCache, verifyRequest } from '@fedify/fedify/sig';
import type { AppConfig } from '../../config/index.ts';
import { loadActorKeys } from './keys.ts';
import { fetchActivityDocument, RemoteFetchError, type RemoteFetchOptions } from './remote-fetch.ts';
import { keyId } from './uris.ts';

type DocumentLoader = NonNullable<NonNullable<Parameters<typeof verifyRequest>[1]>['documentLoader']>;

/**
 * Fedify's signature code (and the JSON-LD and vocabulary it pulls in, some 25 MB) is loaded
 * on the first signature made or checked, so apps that never federate never pay for it.
 */
const fedifySig = () => import('@fedify/fedify/sig');

/**
 * Signs a request (draft-cavage HTTP Signatures, via Fedify) with the key id of `actor`:
 * remote servers check that the key belongs to the activity's actor.
 */
export function requestSigner(config: AppConfig, actor: string): (request: Request) => Promise<Request> {
  return async (request) => {
    const [{ privateKey }, { signRequest }] = await Promise.all([loadActorKeys(config), fedifySig()]);
    return signRequest(request, privateKey, new URL(keyId(actor)));
  };
}

/** Fedify's key fetches go through our guarded fetch (limits, no private addresses). */
export function guardedDocumentLoader(
  options: RemoteFetchOptions,
  sign?: (request: Request) => Promise<Request>,
): DocumentLoader {
  return async (url: string) => {
    const { url: documentUrl, document } = await fetchActivityDocument(url, options, sign);
    return { contextUrl: null, documentUrl, document };
  };
}

export type InboxVerification =
  | { ok: true; activity: Record<string, unknown>; actor: string }
  | {
      ok: false;
      status: 400 | 401;
      reason: string;
      /** The private or loopback address the key fetch was refused for, if that is why. */
      refusedAddress?: string;
    };

/**
 * Checks an inbox POST: a valid signature over the raw body (digest, date within an hour,
 * key fetched from the signer), and the signer must be the activity's `actor`.
 */
export async function verifyInboxRequest(
  request: Request,
  activity: Record<string, unknown>,
  options: { fetch: RemoteFetchOptions; sign?: (request: Request) => Promise<Request>; keyCache?: KeyCache },
): Promise<InboxVerification> {
  const actor = typeof activity['actor'] === 'string' ? activity['actor'] : null;
  if (!actor) return { ok: false, status: 400, reason: 'activity without an actor' };
  if (!request.headers.has('signature') && !request.headers.has('signature-input')) {
    return { ok: false, status: 401, reason: 'unsigned request' };
  }
  // Fedify insists on (request-target), date and digest; Mastodon also requires host.
  const cavage = request.headers.get('signature');
  if (cavage) {
    const signed = /headers="([^"]*)"/.exec(cavage)?.[1]?.toLowerCase().split(/\s+/) ?? [];
    if (!signed.includes('host')) return { ok: false, status: 401, reason: 'host is not signed' };
  }
  const { verifyRequest } = await fedifySig();
  let key: Awaited<ReturnType<typeof verifyRequest>>;
  // Fedify turns a failed key fetch into "no key": keep the fetch's own error to say why.
  let fetchError: unknown = null;
  const loader = guardedDocumentLoader(options.fetch, options.sign);
  try {
    key = await verifyRequest(request, {
      documentLoader: async (url) => {
        try {
          return await loader(url);
        } catch (err) {
          fetchError = err;
          throw err;
        }
      },
      timeWindow: { hours: 1 },
      ...(options.keyCache ? { keyCache: options.keyCache } : {}),
    });
  } catch {
    key = null;
  }
  if (!key) {
    if (fetchError instanceof RemoteFetchError && fetchError.refusedAddress) {
      return {
        ok: false,
        status: 401,
        reason: `signature did not verify: the signer's key could not be fetched (${fetchError.message})`,
        refusedAddress: fetchError.refusedAddress,
      };
    }
    const why = fetchError instanceof Error ? ` (key fetch failed: ${fetchError.message})` : '';
    return { ok: false, status: 401, reason: `signature did not verify${why}` };
  }
  const owner = key.ownerId?.href ?? null;
  if (owner !== actor) return { ok: false, status: 401, reason: 'the signer is not the actor' };
  return { ok: true, activity, actor };
}
