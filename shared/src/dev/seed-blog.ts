import type { DatabaseLike } from '../db/client.ts';
import {
  authors,
  ghostSyncState,
  navigationItems,
  newsletters,
  posts,
  postsAuthors,
  postsTags,
  tags,
} from '../db/schema/index.ts';
import { DEMO_CONTENT_KEY, type DemoContent } from '../services/blog/ghost-sync.ts';

const DAY = 24 * 60 * 60 * 1000;

/**
 * The blog's demo content (posts, a page, tags, an author, menus, a newsletter), for a blog
 * without Ghost. Its rows are recorded under `demo-content` in ghost_sync_state, so that if
 * Ghost is configured later the first full sync removes the ones Ghost does not have.
 */
export async function seedDemoBlog(tx: DatabaseLike, now: number): Promise<void> {
  const [author] = await tx
    .insert(authors)
    .values({ slug: 'rose', name: 'Rose Gardener', bio: 'Grows things and writes about them.' })
    .returning();
  const insertedTags = await tx
    .insert(tags)
    .values([
      { slug: 'news', name: 'News', description: 'What the cooperative is up to.' },
      { slug: 'recipes', name: 'Recipes', description: 'Cooking with what the market has this week.' },
    ])
    .returning();
  const demoPosts = [
    {
      slug: 'welcome-to-rose-ash',
      title: 'Welcome to Rose Ash',
      text: 'Rose Ash is a cooperative: a blog, a market, events and a fediverse presence, run by its members.',
      tag: 0,
      daysAgo: 3,
    },
    {
      slug: 'spring-market-opens',
      title: 'The spring market opens',
      text: 'Growers and bakers are back every Saturday in the town square, with early greens and fresh bread.',
      tag: 0,
      daysAgo: 2,
    },
    {
      slug: 'wild-garlic-pesto',
      title: 'Wild garlic pesto',
      text: 'Blend wild garlic, hazelnuts, hard cheese, lemon and olive oil. Keeps a week in the fridge.',
      tag: 1,
      daysAgo: 1,
    },
  ];
  for (const p of demoPosts) {
    const [post] = await tx
      .insert(posts)
      .values({
        type: 'post',
        slug: p.slug,
        title: p.title,
        html: `<p>${p.text}</p>`,
        plaintext: p.text,
        excerpt: p.text,
        status: 'published',
        publishedAt: new Date(now - p.daysAgo * DAY),
        readingTime: 1,
        primaryAuthorId: author!.id,
      })
      .returning();
    await tx.insert(postsTags).values({ postId: post!.id, tagId: insertedTags[p.tag]!.id });
    await tx.insert(postsAuthors).values({ postId: post!.id, authorId: author!.id });
  }
  await tx.insert(posts).values({
    type: 'page',
    slug: 'about',
    title: 'About us',
    html: '<p>We are a cooperative of growers, makers and neighbours.</p>',
    plaintext: 'We are a cooperative of growers, makers and neighbours.',
    status: 'published',
    publishedAt: new Date(now - 10 * DAY),
    primaryAuthorId: author!.id,
  });
  await tx.insert(navigationItems).values([
    { menu: 'primary', label: 'Home', url: '/', sortOrder: 0 },
    { menu: 'primary', label: 'About', url: '/about/', sortOrder: 1 },
    { menu: 'secondary', label: 'RSS', url: '/rss/', sortOrder: 0 },
  ]);
  await tx.insert(newsletters).values({
    slug: 'weekly',
    name: 'The Weekly Basket',
    description: "What's in season and what's on.",
    subscribeOnSignup: true,
  });
  const demo: DemoContent = {
    posts: (await tx.select({ id: posts.id }).from(posts)).map((r) => r.id),
    tags: insertedTags.map((t) => t.id),
    authors: [author!.id],
    newsletters: (await tx.select({ id: newsletters.id }).from(newsletters)).map((r) => r.id),
  };
  await tx.insert(ghostSyncState).values({ key: DEMO_CONTENT_KEY, value: demo });
}
