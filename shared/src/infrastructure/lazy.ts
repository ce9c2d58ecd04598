import { createRequire } from 'node:module';

/**
 * A dependency of the shared package loaded on first use, synchronously (`require`, which also
 * loads ES modules on Node 22). For the large ones only some apps or some requests need
 * (HTML sanitising, mail, QR codes, iCalendar): a service that never calls them never holds
 * them in memory. `from` is the importing module's `import.meta.url` when the dependency belongs
 * to an app rather than to the shared package.
 */
export function lazyRequire<T>(specifier: string, from: string = import.meta.url): () => T {
  let loaded: { module: T } | undefined;
  return () => {
    loaded ??= { module: createRequire(from)(specifier) as T };
    return loaded.module;
  };
}
