import { SlugParams } from '@rose-ash/shared/contracts/http.ts';
import { PAGE_TAGS } from '@rose-ash/shared/contracts/widgets.ts';
import { wantsActivityJson } from '@rose-ash/shared/infrastructure/activitypub/plugin.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { articleId } from '@rose-ash/shared/services/blog/post-activities.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { postPageParts } from '../../services/post-page.ts';

/**
 * A published post or page by slug (Ghost's URL scheme: both live at `/<slug>/`), with Open
 * Graph and Twitter meta, canonical URL, reading time and feature image; posts also carry the
 * events `container-widget`, the market's product cards where the post links to products, and
 * the fediverse replies. A members-only or paid post shows its public preview and a call to
 * sign in unless the reader may read it. Anonymous copies are page-cached. Asked for
 * ActivityStreams (a fediverse server resolving the URL), a post answers with its Article.
 */
const postRoutes: RoutePlugin = async (app) => {
  /** The post's Article, when the slug names a live post (pages are not Articles). */
  const articleFor = async (request: FastifyRequest) => {
    const params = SlugParams.safeParse(request.params);
    const post = params.success ? await app.services.blog.getPublishedBySlug(params.data.slug) : null;
    if (post?.type !== 'post') return null;
    const found = await app.services.blog.getArticle(post.uuid);
    return found.kind === 'live' ? found.article : null;
  };
  /**
   * Runs before the page cache, so a cached HTML copy never answers a fediverse lookup. A
   * callback hook: a browser's request (every page view) passes without a promise.
   */
  const serveArticle = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    if (!wantsActivityJson(request.headers.accept)) return done();
    articleFor(request).then((article) => {
      if (!article) return done();
      reply.header('vary', 'Accept').type('application/activity+json; charset=utf-8').send(article);
    }, done);
  };

  app.get(
    '/:slug/',
    {
      onRequest: serveArticle,
      schema: { params: SlugParams },
      config: {
        pageCache: {
          tags: (request) => [
            PAGE_TAGS.blogPost((request.params as { slug: string }).slug),
            PAGE_TAGS.blogPosts,
          ],
        },
      },
    },
    async (request, reply) => {
      const viewer = { signedIn: !!request.user, staff: !!request.user?.isAdmin };
      const post = await app.services.blog.getPublishedBySlug(request.params.slug, viewer);
      if (!post) throw new AppError('HTTP_ROUTE_NOT_FOUND');
      const parts = await postPageParts(app, request, post);
      const url = `${app.config.apps.blog.publicUrl}/${post.slug}/`;
      reply.header('vary', 'Accept');
      return reply.view('post.njk', {
        title: post.metaTitle ?? post.title,
        description: post.metaDescription ?? post.excerpt,
        canonical_url: post.canonicalUrl ?? url,
        post_url: url,
        article_url: post.type === 'post' ? articleId(app.config, post) : null,
        post,
        body: parts.body,
        container_widget: parts.containerWidget,
        comments: parts.comments,
        sign_in_url: `/auth/login?returnTo=${encodeURIComponent(`/${post.slug}/`)}`,
      });
    },
  );
};

export default postRoutes;
