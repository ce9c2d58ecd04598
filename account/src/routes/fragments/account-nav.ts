import type { FastifyPluginAsync } from 'fastify';

/**
 * The `account-nav` fragment: a sign-in link, or the member's name with their account menu and
 * their unread fediverse notifications (federation drops this fragment when the count changes).
 */
const accountNavFragment: FastifyPluginAsync = async (app) => {
  app.registerFragment('account-nav', async (request) => {
    const user = request.user;
    const [profile, unread] = user
      ? await Promise.all([
          app.services.account.getProfile(user.id),
          app.services.federation.countUnreadNotifications(user.id),
        ])
      : [null, 0];
    return app.templates.render('fragments/account-nav.njk', {
      user,
      name: profile?.displayName ?? user?.name ?? user?.email ?? null,
      unread,
      account_url: app.config.apps.account.publicUrl,
    });
  });
};

export default accountNavFragment;
