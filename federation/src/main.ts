/** Process entry point: config, resources, listen, graceful close. The app itself is in app.ts. */
import { startApp } from '@rose-ash/shared/infrastructure/server.ts';
import { buildApp } from './app.ts';

await startApp('federation', buildApp);
