import type { FastifyPluginAsync } from 'fastify';

/** The `nav` fragment: the blog's primary menu, shown in every app's header. */
const navFragment: FastifyPluginAsync = async (app) => {
  app.registerFragment('nav', async () => {
    const items = await app.services.blog.getNavigation('primary');
    return app.templates.render('fragments/nav.njk', { items });
  });
};

export default navFragment;
