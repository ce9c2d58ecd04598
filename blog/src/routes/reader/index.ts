import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import {
  getAuthor,
  getTag,
  listAllPublished,
  listAuthors,
  listPublicTags,
  listPublishedPosts,
  type ReaderPost,
  searchPublished,
} from '@rose-ash/shared/services/blog/reader-queries.ts';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Feed } from 'feed';
import { z } from 'zod';
import { blogSettings } from '../../settings.ts';

const Slug = z.object({ slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,190}$/) });
const Paging = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) });
const SearchQuery = Paging.extend({ q: z.string().trim().max(200).default('') });

/**
 * Reader pages beyond home and single posts: tag and author archives, search, RSS 2.0 for the
 * site and for each tag and author, and the sitemap.
 */
const readerRoutes: FastifyPluginAsync = async (app) => {
  const db = () => app.db.db;
  const settings = blogSettings(app.config);
  const FEED_ITEMS = settings.feed_items;
  const perPage = settings.posts_per_page;
  const blogUrl = (path: string) => `${app.config.apps.blog.publicUrl}${path}`;

  app.get('/tag/:slug/', async (request, reply) => {
    const { slug } = parseOr404(Slug, request.params);
    const { page } = parseOr404(Paging, request.query);
    const tag = await getTag(db(), slug);
    if (!tag) throw new AppError('HTTP_ROUTE_NOT_FOUND');
    const result = await listPublishedPosts(db(), { tagSlug: slug, page, perPage });
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
  });

  app.get('/author/:slug/', async (request, reply) => {
    const { slug } = parseOr404(Slug, request.params);
    const { page } = parseOr404(Paging, request.query);
    const author = await getAuthor(db(), slug);
    if (!author) throw new AppError('HTTP_ROUTE_NOT_FOUND');
    const result = await listPublishedPosts(db(), { authorSlug: slug, page, perPage });
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
  });

  app.get('/search', async (request, reply) => {
    const parsed = SearchQuery.safeParse(request.query);
    if (!parsed.success) throw new AppError('HTTP_REQUEST_INVALID', 'The search was not valid');
    const { q, page } = parsed.data;
    const result = q ? await searchPublished(db(), q, { page, perPage }) : null;
    return reply.view('search.njk', { title: q ? `Search: ${q}` : 'Search', q, result });
  });

  app.get('/rss/', async (_request, reply) =>
    sendFeed(reply, {
      title: app.config.site.name,
      description: app.config.site.tagline,
      path: '/',
      posts: (await listAllPublished(db(), FEED_ITEMS * 2))
        .filter((p) => p.type === 'post')
        .slice(0, FEED_ITEMS),
    }),
  );

  app.get('/tag/:slug/rss/', async (request, reply) => {
    const { slug } = parseOr404(Slug, request.params);
    const tag = await getTag(db(), slug);
    if (!tag) throw new AppError('HTTP_ROUTE_NOT_FOUND');
    const { items } = await listPublishedPosts(db(), { tagSlug: slug, perPage: FEED_ITEMS });
    return sendFeed(reply, {
      title: `${tag.name} · ${app.config.site.name}`,
      description: tag.description ?? app.config.site.tagline,
      path: `/tag/${slug}/`,
      posts: items,
    });
  });

  app.get('/author/:slug/rss/', async (request, reply) => {
    const { slug } = parseOr404(Slug, request.params);
    const author = await getAuthor(db(), slug);
    if (!author) throw new AppError('HTTP_ROUTE_NOT_FOUND');
    const { items } = await listPublishedPosts(db(), { authorSlug: slug, perPage: FEED_ITEMS });
    return sendFeed(reply, {
      title: `${author.name} · ${app.config.site.name}`,
      description: author.bio ?? app.config.site.tagline,
      path: `/author/${slug}/`,
      posts: items,
    });
  });

  app.get('/sitemap.xml', async (_request, reply) => {
    const [all, tagList, authorList] = await Promise.all([
      listAllPublished(db()),
      listPublicTags(db()),
      listAuthors(db()),
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
    feed: { title: string; description: string; path: string; posts: ReaderPost[] },
  ) {
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
      rss.addItem({
        title: post.title,
        id: blogUrl(`/${post.slug}/`),
        link: blogUrl(`/${post.slug}/`),
        description: post.excerpt ?? '',
        content: post.html ?? '',
        date: post.publishedAt ?? post.updatedAt,
        ...(post.author
          ? { author: [{ name: post.author.name, link: blogUrl(`/author/${post.author.slug}/`) }] }
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

function parseOr404<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('HTTP_ROUTE_NOT_FOUND');
  return parsed.data;
}

export default readerRoutes;
