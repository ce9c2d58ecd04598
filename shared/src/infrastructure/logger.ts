import type { FastifyServerOptions } from 'fastify';
import type { AppConfig } from '../config/index.ts';

/** pino options: pretty, coloured lines in development; JSON lines elsewhere. */
export function createLoggerOptions(
  config: AppConfig,
): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return {
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-internal-token"]'],
    ...(config.env === 'development'
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' },
          },
        }
      : {}),
  };
}
