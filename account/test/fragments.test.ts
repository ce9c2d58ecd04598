import { INTERNAL_HEADERS } from '@rose-ash/shared/contracts/widgets.ts';
import { apNotifications } from '@rose-ash/shared/db/schema/index.ts';
import { encodeUserHeader } from '@rose-ash/shared/infrastructure/fragments.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedUser } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp(buildApp);
});
afterAll(async () => t?.close());

describe('account-nav fragment', () => {
  it("shows the member's name with the token, and ignores the user header without it", async () => {
    const user = await seedUser(t.database.handle, 'nav-member@example.test');
    const userHeader = encodeUserHeader({
      id: user.id,
      email: user.email,
      name: null,
      username: null,
      isAdmin: false,
    });

    const forged = await t.app.inject({
      url: '/internal/fragments/account-nav',
      headers: { [INTERNAL_HEADERS.user]: userHeader },
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.body).not.toContain('Mina Member');

    const member = await t.app.inject({
      url: '/internal/fragments/account-nav',
      headers: {
        [INTERNAL_HEADERS.token]: t.config.secrets.internalToken,
        [INTERNAL_HEADERS.user]: userHeader,
      },
    });
    expect(member.statusCode).toBe(200);
    expect(member.body).toContain('Mina Member');
    expect(member.body).toContain(`${t.config.apps.account.publicUrl}/`);

    const anonymous = await t.app.inject({
      url: '/internal/fragments/account-nav',
      headers: {
        [INTERNAL_HEADERS.token]: t.config.secrets.internalToken,
        [INTERNAL_HEADERS.user]: 'garbage',
      },
    });
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.body).toContain('Sign in');
  });
});

describe('account-nav menu', () => {
  it('links the account, notifications with the unread count, admin for admins only, and sign out', async () => {
    const user = await seedUser(t.database.handle, 'menu-member@example.test');
    const fragment = (isAdmin: boolean) =>
      t.app.inject({
        url: '/internal/fragments/account-nav',
        headers: {
          [INTERNAL_HEADERS.token]: t.config.secrets.internalToken,
          [INTERNAL_HEADERS.user]: encodeUserHeader({
            id: user.id,
            email: user.email,
            name: null,
            username: null,
            isAdmin,
          }),
        },
      });
    const member = await fragment(false);
    expect(member.body).toContain(`href="${t.config.apps.account.publicUrl}/"`);
    expect(member.body).toContain(`href="${t.config.apps.federation.publicUrl}/social/notifications"`);
    expect(member.body).toContain('href="/auth/logout"');
    expect(member.body).not.toContain('/admin');
    expect(member.body).not.toContain('notification-count');

    await t.database.handle.db.insert(apNotifications).values([
      { userId: user.id, type: 'like', actorUri: 'https://remote.example/users/a', activityId: 'a1' },
      { userId: user.id, type: 'follow', actorUri: 'https://remote.example/users/b', activityId: 'b1' },
    ]);
    const admin = await fragment(true);
    expect(admin.body).toContain(`${t.config.apps.blog.publicUrl}/admin`);
    expect(admin.body).toContain('<span class="notification-count" title="2 unread notifications">2</span>');
    expect(admin.body).toContain('Notifications (2 new)');
  });
});
