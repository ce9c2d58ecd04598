import type { FastifyPluginAsync } from 'fastify';

/**
 * The `comments` fragment (`?object=<an Article's id>`): fediverse replies to one of our
 * objects, oldest first, as a self-contained list (sanitised content, author, avatar, link to
 * the original). Hidden replies and those from blocked accounts never show. Its cached copies
 * are dropped when a reply arrives, changes, goes, or is hidden.
 */
const commentsFragment: FastifyPluginAsync = async (app) => {
  app.registerFragment('comments', async (_request, query) => {
    const comments = await app.services.federation.listComments(query.object);
    return app.templates.render('fragments/comments.njk', { comments, object: query.object });
  });
};

export default commentsFragment;
