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
    env: { NODE_ENV: 'test', ...services.secretsEnv, ...options.env },
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
}
