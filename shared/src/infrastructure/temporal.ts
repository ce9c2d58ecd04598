import type { Temporal } from '@js-temporal/polyfill';
import { lazyRequire } from './lazy.ts';

const polyfill = lazyRequire<typeof import('@js-temporal/polyfill')>('@js-temporal/polyfill');

/**
 * The Temporal API (the polyfill, until Node ships it), loaded on first use: apps that never
 * compute in a time zone never load it. Types come from `import type { Temporal }`.
 */
export function temporal(): typeof Temporal {
  return polyfill().Temporal;
}
