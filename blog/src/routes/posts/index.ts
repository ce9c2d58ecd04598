import { SlugParams } from '@rose-ash/shared/contracts/http.ts';
import { PAGE_TAGS } from '@rose-ash/shared/contracts/widgets.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';

/**
 * A published post or page by slug (Ghost's URL scheme: both live at `/<slug>/`), with Open
 * Graph and Twitter meta, canonical URL, reading time and feature image; posts also carry the
 * events `container-widget` for calendars attached to them. Anonymous copies are page-cached.
 */
const postRoutes: RoutePlugin = async (app) => {
  app.get(
    '/:slug/',
    {
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
      const post = await app.services.blog.getPublishedBySlug(request.params.slug);
      if (!post) throw new AppError('HTTP_ROUTE_NOT_FOUND');
      const widget =
        post.type === 'post'
          ? await app.fragments.fetch({ name: 'container-widget', params: { type: 'post', id: post.id } })
          : '';
      const url = `${app.config.apps.blog.publicUrl}/${post.slug}/`;
      return reply.view('post.njk', {
        title: post.metaTitle ?? post.title,
        description: post.metaDescription ?? post.excerpt,
        canonical_url: post.canonicalUrl ?? url,
        post_url: url,
        post,
        container_widget: widget,
      });
    },
  );
};

export default postRoutes;
