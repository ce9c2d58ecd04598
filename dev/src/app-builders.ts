import type { AppName } from '@rose-ash/shared/config/index.ts';
import type { BuildApp } from '@rose-ash/shared/infrastructure/server.ts';

/**
 * Each app's `buildApp`, loaded on demand, for the places that run several apps in one
 * process: `pnpm dev`, the test cluster and the benchmarks. This package is the only one that
 * knows all six apps; shared never imports an app, and a test reaches another app through here.
 */
export const APP_BUILDERS: Record<AppName, () => Promise<{ buildApp: BuildApp }>> = {
  blog: () => import('@rose-ash/blog/app.ts'),
  market: () => import('@rose-ash/market/app.ts'),
  cart: () => import('@rose-ash/cart/app.ts'),
  events: () => import('@rose-ash/events/app.ts'),
  federation: () => import('@rose-ash/federation/app.ts'),
  account: () => import('@rose-ash/account/app.ts'),
};
