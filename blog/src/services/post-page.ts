import type { PostDto } from '@rose-ash/shared/contracts/dtos.ts';
import { type FragmentRequest, fragmentPageTag } from '@rose-ash/shared/infrastructure/fragments.ts';
import { tagPage } from '@rose-ash/shared/infrastructure/page-cache.ts';
import { articleId } from '@rose-ash/shared/services/blog/post-activities.ts';
import { splitAtProductLinks } from '@rose-ash/shared/services/blog/product-links.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface PostPageParts {
  /** The post's HTML with the market's `product-cards` after each block linking to products. */
  body: string;
  /** The events `container-widget` (calendars attached to the post); posts only. */
  containerWidget: string;
  /** The federation `comments` fragment (fediverse replies to the post's Article); posts only. */
  comments: string;
}

/**
 * What other apps add to a post page, fetched in one parallel round with the header's fragments
 * (one cache read for all of them; each fragment within its timeout, a stale copy or nothing
 * when its app is down): product cards where the post links to market products, the calendars
 * attached to it, and the fediverse replies to its Article.
 * The page is tagged with each, so invalidating one of them purges the cached page.
 */
export async function postPageParts(
  app: FastifyInstance,
  request: FastifyRequest,
  post: PostDto,
): Promise<PostPageParts> {
  const { segments, cards, wanted, tags } = wantedBy(app, post);
  const fetched = await app.pageFragments(request, wanted);
  // A cached copy of this page goes when any of these fragments is invalidated (new replies,
  // a price change), instead of showing the old ones until it expires.
  tagPage(request, tags);
  let card = 0;
  const body = segments
    .map((s) => {
      if (!s.slugs.length) return s.html;
      const html = fetched[card++] ?? '';
      return html
        ? `${s.html}<div class="slot slot-product-cards" data-fragment="product-cards">${html}</div>`
        : s.html;
    })
    .join('');
  return {
    body,
    containerWidget: fetched[cards.length] ?? '',
    comments: post.type === 'post' ? (fetched[cards.length + 1] ?? '') : '',
  };
}

interface WantedFragments {
  segments: ReturnType<typeof splitAtProductLinks>;
  cards: FragmentRequest[];
  wanted: FragmentRequest[];
  tags: string[];
}

/**
 * What a post's page asks of other apps, worked out once per post as the blog holds it (the
 * post memo hands out the same frozen post until it changes): the same requests on every view.
 */
const wantedByPost = new WeakMap<PostDto, WantedFragments>();

function wantedBy(app: FastifyInstance, post: PostDto): WantedFragments {
  let known = wantedByPost.get(post);
  if (known) return known;
  const segments = splitAtProductLinks(post.html ?? '', app.config.apps.market.publicUrl);
  const cards: FragmentRequest[] = segments
    .filter((s) => s.slugs.length)
    .map((s) => ({ name: 'product-cards', params: { slugs: s.slugs.join(',') } }));
  // Calendars can hang on posts and pages; only posts are Articles with fediverse replies.
  const extras: FragmentRequest[] = [
    { name: 'container-widget', params: { type: post.type, id: post.id } },
    ...(post.type === 'post'
      ? [{ name: 'comments' as const, params: { object: articleId(app.config, post) } }]
      : []),
  ];
  const wanted = [...cards, ...extras];
  known = { segments, cards, wanted, tags: wanted.map((f) => fragmentPageTag(f.name, f.params ?? {})) };
  wantedByPost.set(post, known);
  return known;
}
