import type { AppConfig } from '../../config/index.ts';
import { RemoteFetchError, type RemoteFetchOptions, remoteFetch } from './remote-fetch.ts';
import { requestSigner } from './signatures.ts';

export type DeliveryOutcome =
  | { kind: 'delivered'; statusCode: number }
  | { kind: 'retry'; statusCode: number | null; error: string; retryAfterMs: number | null }
  | { kind: 'give-up'; statusCode: number; error: string };

/**
 * ACTIVITYPUB.md's rules: 2xx is success; 5xx (but 501), 401, 408, 429 and network errors are
 * retried; any other answer is permanent.
 */
export function classifyStatus(status: number): 'delivered' | 'retry' | 'give-up' {
  if (status >= 200 && status < 300) return 'delivered';
  if ((status >= 500 && status !== 501) || [401, 408, 429].includes(status)) return 'retry';
  return 'give-up';
}

/** Default back-off between attempts: minutes at first, then up to two days (about a week in all). */
export const DEFAULT_RETRY_SCHEDULE_MS = [
  60_000,
  5 * 60_000,
  15 * 60_000,
  60 * 60_000,
  3 * 3600_000,
  6 * 3600_000,
  12 * 3600_000,
  24 * 3600_000,
  24 * 3600_000,
  48 * 3600_000,
  48 * 3600_000,
];

function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/** POSTs one activity to one inbox, signed at send time with the key id of its `actor`. */
export async function deliverToInbox(
  config: AppConfig,
  fetchOptions: RemoteFetchOptions,
  activity: Record<string, unknown>,
  inbox: string,
): Promise<DeliveryOutcome> {
  const actor = String(activity['actor']);
  try {
    const response = await remoteFetch(
      inbox,
      {
        method: 'POST',
        headers: { 'content-type': 'application/activity+json', accept: 'application/activity+json' },
        body: JSON.stringify(activity),
      },
      fetchOptions,
      requestSigner(config, actor),
    );
    const kind = classifyStatus(response.status);
    if (kind === 'delivered') return { kind, statusCode: response.status };
    const error = `${response.status} ${response.body.slice(0, 200)}`.trim();
    if (kind === 'give-up') return { kind, statusCode: response.status, error };
    return {
      kind,
      statusCode: response.status,
      error,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    };
  } catch (err) {
    const statusCode = err instanceof RemoteFetchError ? err.status : null;
    return { kind: 'retry', statusCode, error: (err as Error).message, retryAfterMs: null };
  }
}
