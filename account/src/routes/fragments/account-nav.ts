import type { FastifyPluginAsync } from 'fastify';

/** The `account-nav` fragment: a sign-in link, or the member's name with their account menu. */
const accountNavFragment: FastifyPluginAsync = async (app) => {
  app.registerFragment('account-nav', async (request) => {
    const user = request.user;
    const profile = user ? await app.services.account.getProfile(user.id) : null;
    return app.templates.render('fragments/account-nav.njk', {
      user,
      name: profile?.displayName ?? user?.name ?? user?.email ?? null,
      account_url: app.config.apps.account.publicUrl,
    });
  });
};

export default accountNavFragment;
