import { apActivities } from '@rose-ash/shared/db/schema/index.ts';
import { buildTestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';

describe('EventProcessor in the federation app', () => {
  it('runs while the app runs when RUN_EVENT_PROCESSOR=true, and stops with it', async () => {
    const app = await buildTestApp(buildApp, {
      config: testConfig({ env: { RUN_EVENT_PROCESSOR: 'true' } }),
    });
    try {
      const db = app.database.handle.db;
      await db.insert(apActivities).values({
        activityId: 'https://remote.example/flags/1',
        direction: 'in',
        type: 'Flag',
        actorUri: 'https://remote.example/users/x',
        object: { id: 'https://remote.example/flags/1', type: 'Flag' },
      });
      const until = Date.now() + 10_000;
      let status: string | undefined;
      while (Date.now() < until) {
        [{ status } = { status: undefined }] = await db
          .select({ status: apActivities.status })
          .from(apActivities)
          .where(eq(apActivities.activityId, 'https://remote.example/flags/1'));
        if (status === 'done') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).toBe('done');
    } finally {
      await app.close();
    }
  });
});
