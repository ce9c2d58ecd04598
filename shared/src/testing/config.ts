import { inject } from 'vitest';
import { type AppConfig, loadConfig } from '../config/index.ts';
import './services.ts';

/**
 * Configuration for tests: the repo's app-config.yaml, the run's generated secrets, and
 * whatever a test overrides (environment variables or YAML keys).
 */
export function testConfig(
  options: { env?: Record<string, string | undefined>; overrides?: Record<string, unknown> } = {},
): AppConfig {
  const services = inject('roseAshTest');
  return loadConfig({
    cwd: services.repoRoot,
    // Jobs are sent but not worked unless a test asks (RUN_JOBS=true): tests apply queued work
    // themselves (drain, publishDue), so nothing runs behind their backs.
    env: { NODE_ENV: 'test', RUN_JOBS: 'false', ...services.secretsEnv, ...options.env },
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
}
