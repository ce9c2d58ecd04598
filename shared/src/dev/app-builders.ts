import type { AppName } from '../config/index.ts';
import type { BuildApp } from '../infrastructure/server.ts';

/**
 * Each app's `buildApp`, loaded on demand, for the places that run several apps in one
 * process: `pnpm dev`, the test cluster and the benchmarks.
 */
export const APP_BUILDERS: Record<AppName, () => Promise<{ buildApp: BuildApp }>> = {
  blog: () => import('../../../blog/src/app.ts'),
  market: () => import('../../../market/src/app.ts'),
  cart: () => import('../../../cart/src/app.ts'),
  events: () => import('../../../events/src/app.ts'),
  federation: () => import('../../../federation/src/app.ts'),
  account: () => import('../../../account/src/app.ts'),
};
