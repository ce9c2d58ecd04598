import type { PostDto } from '@rose-ash/shared/contracts/dtos.ts';
import { PageQuery, SlugParams } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { lazyRequire } from '@rose-ash/shared/infrastructure/lazy.ts';
import type { FastifyReply } from 'fastify';
import type * as FeedModule from 'feed';
import { z } from 'zod';
import { blogSettings } from '../../services/settings.ts';

/** The feed writer (and its XML library) loads with the first feed request. */
const feedModule = lazyRequire<typeof FeedModule>('feed', import.meta.url);

const SearchQuery = PageQuery.extend({
  q: z.string().trim().max(200, 'Search for at most 200 characters').default(''),
});

/**
 * Reader pages beyond home and single posts: tag and author archives, search, RSS 2.0 for the
 * site and for each tag and author, and the sitemap.
 */
const readerRoutes: RoutePlugin = async (app) => {
  const blog = app.services.blog;
  const settings = blogSettings(app.config);
  const FEED_ITEMS = settings.feed_items;
  const perPage = settings.posts_per_page;
  const blogUrl = (path: string) => `${app.config.apps.blog.publicUrl}${path}`;

  app.get(
    '/tag/:slug/',
    { schema: { params: SlugParams, querystring: PageQuery } },
    async (request, reply) => {
      const { slug } = request.params;
      const { page } = request.query;
      const tag = await blog.getTag(slug);
      if (!tag) throw new AppError('HTTP_ROUTE_NOT_FOUND');
      const result = await blog.listPosts({ tagSlug: slug, page, perPage });
      if (page > result.pages) throw new AppError('HTTP_ROUTE_NOT_FOUND');
      return reply.view('archive.njk', {
        title: tag.name,
        heading: tag.name,
        description: tag.description ?? tag.metaDescription,
        canonical_url: blogUrl(`/tag/${slug}/`),
        rss_url: blogUrl(`/tag/${slug}/rss/`),
        result,
        base_path: `/tag/${slug}/`,
      });
    },
  );

  app.get(
    '/author/:slug/',
    { schema: { params: SlugParams, querystring: PageQuery } },
    async (request, reply) => {
      const { slug } = request.params;
      const { page } = request.query;
      const author = await blog.getAuthor(slug);
      if (!author) throw new AppError('HTTP_ROUTE_NOT_FOUND');
      const result = await blog.listPosts({ authorSlug: slug, page, perPage });
      if (page > result.pages) throw new AppError('HTTP_ROUTE_NOT_FOUND');
      return reply.view('archive.njk', {
        title: author.name,
        heading: author.name,
        description: author.bio,
        author,
        canonical_url: blogUrl(`/author/${slug}/`),
        rss_url: blogUrl(`/author/${slug}/rss/`),
        result,
        base_path: `/author/${slug}/`,
      });
    },
  );

  app.get('/search', { schema: { querystring: SearchQuery } }, async (request, reply) => {
    const { q, page } = request.query;
    const result = q ? await blog.search(q, { page, perPage }) : null;
    return reply.view('search.njk', { title: q ? `Search: ${q}` : 'Search', q, result });
  });

  app.get('/rss/', async (_request, reply) =>
    sendFeed(reply, {
      title: app.config.site.name,
      description: app.config.site.tagline,
      path: '/',
      posts: await blog.listAllPublished({ type: 'post', limit: FEED_ITEMS }),
    }),
  );

  app.get('/tag/:slug/rss/', { schema: { params: SlugParams } }, async (request, reply) => {
    const { slug } = request.params;
    const tag = await blog.getTag(slug);
    if (!tag) throw new AppError('HTTP_ROUTE_NOT_FOUND');
    const { items } = await blog.listPosts({ tagSlug: slug, perPage: FEED_ITEMS });
    return sendFeed(reply, {
      title: `${tag.name} · ${app.config.site.name}`,
      description: tag.description ?? app.config.site.tagline,
      path: `/tag/${slug}/`,
      posts: items,
    });
  });

  app.get('/author/:slug/rss/', { schema: { params: SlugParams } }, async (request, reply) => {
    const { slug } = request.params;
    const author = await blog.getAuthor(slug);
    if (!author) throw new AppError('HTTP_ROUTE_NOT_FOUND');
    const { items } = await blog.listPosts({ authorSlug: slug, perPage: FEED_ITEMS });
    return sendFeed(reply, {
      title: `${author.name} · ${app.config.site.name}`,
      description: author.bio ?? app.config.site.tagline,
      path: `/author/${slug}/`,
      posts: items,
    });
  });

  app.get('/sitemap.xml', async (_request, reply) => {
    const [all, tagList, authorList] = await Promise.all([
      blog.listAllPublished(),
      blog.listTags(),
      blog.listAuthors(),
    ]);
    const xml = app.templates.render('sitemap.xml.njk', {
      home: blogUrl('/'),
      entries: all.map((p) => ({ loc: blogUrl(`/${p.slug}/`), lastmod: p.updatedAt.toISOString() })),
      tags: tagList.map((t) => blogUrl(`/tag/${t.slug}/`)),
      authors: authorList.map((a) => blogUrl(`/author/${a.slug}/`)),
    });
    return reply
      .type('application/xml; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(xml);
  });

  function sendFeed(
    reply: FastifyReply,
    feed: { title: string; description: string; path: string; posts: readonly PostDto[] },
  ) {
    const { Feed } = feedModule();
    const rss = new Feed({
      title: feed.title,
      description: feed.description,
      id: blogUrl(feed.path),
      link: blogUrl(feed.path),
      language: app.config.site.locale,
      updated: feed.posts[0]?.publishedAt ?? undefined,
      generator: 'Rose Ash',
      copyright: `© ${app.config.site.name}`,
      feedLinks: { rss: blogUrl(`${feed.path}rss/`.replace('//rss', '/rss')) },
    });
    for (const post of feed.posts) {
      const link = blogUrl(`/${post.slug}/`);
      // Feeds carry what anyone may read: a members-only or paid post's preview and a link on.
      const more = post.locked
        ? `<p><a href="${link}">${post.locked === 'paid' ? 'This post is for paying members' : 'This post is for members'}: read it on the site.</a></p>`
        : '';
      rss.addItem({
        title: post.title,
        id: link,
        link,
        description: post.excerpt ?? '',
        content: `${post.html ?? ''}${more}`,
        date: post.publishedAt ?? post.updatedAt,
        ...(post.authors.length
          ? { author: post.authors.map((a) => ({ name: a.name, link: blogUrl(`/author/${a.slug}/`) })) }
          : {}),
        category: post.tags.map((t) => ({ name: t.name })),
        ...(post.featureImage ? { image: post.featureImage } : {}),
      });
    }
    return reply
      .type('application/rss+xml; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(rss.rss2());
  }
};

export default readerRoutes;
