import fastifyMultipart from '@fastify/multipart';
import type { PostStatus } from '@rose-ash/shared/db/schema/index.ts';
import { authors } from '@rose-ash/shared/db/schema/index.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { requireAdmin } from '@rose-ash/shared/infrastructure/sessions.ts';
import {
  type EditorAction,
  getEditablePost,
  listAdminPosts,
  type PostInput,
  postInputSchema,
  slugify,
} from '@rose-ash/shared/services/blog/editor-service.ts';
import {
  type PublishingDeps,
  removePost,
  saveFromEditor,
} from '@rose-ash/shared/services/blog/publishing-service.ts';
import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { MAX_IMAGE_BYTES, storeImage } from '../../services/media-service.ts';

const IdParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const ListQuery = z.object({ status: z.enum(['draft', 'scheduled', 'published']).optional() });
const Action = z.enum(['save', 'publish', 'schedule', 'unpublish', 'delete']).default('save');

/**
 * The post editor for admins: list with status filters, create, edit (TipTap, autosave),
 * publish now, schedule, unpublish, delete, feature-image upload and preview.
 */
const editorRoutes: FastifyPluginAsync = async (app) => {
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_IMAGE_BYTES + 1, files: 1, fields: 30, fieldSize: 2_000_000 },
  });
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'private, no-store');
  });

  const deps = (): PublishingDeps => ({
    db: app.db.db,
    cache: app.cache,
    config: app.config,
    ghost: app.ghostSync?.client ?? null,
    federation: federationOf(app),
    log: app.log,
  });

  app.get('/admin/posts', { preHandler: requireAdmin }, async (request, reply) => {
    const query = ListQuery.safeParse(request.query);
    const status = query.success ? query.data.status : undefined;
    const list = await listAdminPosts(app.db.db, status as PostStatus | undefined);
    return reply.view('admin/posts.njk', { title: 'Posts', posts: list, status: status ?? 'all' });
  });

  app.get('/admin/posts/new', { preHandler: requireAdmin }, async (_request, reply) =>
    renderEditor(reply, { post: null, values: emptyValues() }),
  );

  app.get('/admin/posts/:id/edit', { preHandler: requireAdmin }, async (request, reply) => {
    const post = await loadPost(app, request);
    return renderEditor(reply, { post, values: valuesOf(post) });
  });

  app.get('/admin/posts/:id/preview', { preHandler: requireAdmin }, async (request, reply) => {
    const post = await loadPost(app, request);
    return reply.view('post.njk', { title: `Preview: ${post.title}`, post, preview: true });
  });

  app.post('/admin/posts', { preHandler: [requireAdmin, app.csrfProtection] }, async (request, reply) =>
    submit(request, reply, null),
  );

  app.post('/admin/posts/:id', { preHandler: [requireAdmin, app.csrfProtection] }, async (request, reply) => {
    const { id } = parseId(request);
    return submit(request, reply, id);
  });

  /**
   * Autosave from the editor script: JSON in, JSON out. Drafts and scheduled posts only — a
   * published post changes (and is announced) when its author presses Update, never mid-typing.
   * The first autosave of a new post creates the draft and tells the script where it lives.
   */
  app.post('/admin/posts/autosave', { preHandler: [requireAdmin, app.csrfProtection] }, async (request) => {
    const input = parseAutosave(request.body);
    const authorId = await authorFor(app, request);
    const result = await saveFromEditor(deps(), { id: null, input, action: 'save', authorId });
    if (!result.ok) throw new AppError('RESOURCE_CONFLICT', result.message);
    return {
      ok: true,
      id: result.post.id,
      editUrl: `/admin/posts/${result.post.id}/edit`,
      formAction: `/admin/posts/${result.post.id}`,
      autosaveUrl: `/admin/posts/${result.post.id}/autosave`,
      savedAt: result.post.updatedAt.toISOString(),
    };
  });

  app.post(
    '/admin/posts/:id/autosave',
    { preHandler: [requireAdmin, app.csrfProtection] },
    async (request) => {
      const { id } = parseId(request);
      const input = parseAutosave(request.body);
      const current = await loadPost(app, request);
      if (current.status === 'published') {
        throw new AppError('RESOURCE_CONFLICT', 'Published posts are saved with the Update button');
      }
      const result = await saveFromEditor(deps(), { id, input, action: 'save', authorId: null });
      if (!result.ok) {
        throw new AppError(
          result.reason === 'not_found' ? 'RESOURCE_NOT_FOUND' : 'RESOURCE_CONFLICT',
          result.message,
        );
      }
      return {
        ok: true,
        savedAt: result.post.updatedAt.toISOString(),
        ghostUpdatedAt: result.post.ghostUpdatedAt,
      };
    },
  );

  async function submit(request: FastifyRequest, reply: FastifyReply, id: number | null) {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const action = Action.safeParse(body.action);
    if (!action.success) throw new AppError('HTTP_REQUEST_INVALID', 'Unknown action');
    const current = id ? await loadPost(app, request) : null;

    if (action.data === 'delete') {
      if (!id) throw new AppError('HTTP_REQUEST_INVALID', 'Nothing to delete');
      const removed = await removePost(deps(), id);
      if (!removed.ok)
        return renderEditor(reply, { post: current, values: valuesOf(current), error: removed.message }, 409);
      return reply.redirect('/admin/posts?deleted=1', 303);
    }

    const raw = Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string')) as Record<
      string,
      string
    >;
    const typed = { ...emptyValues(), ...raw } as unknown as PostInput;
    const parsed = postInputSchema.safeParse(raw);
    if (!parsed.success) {
      return renderEditor(
        reply,
        { post: current, values: typed, error: parsed.error.issues[0]?.message },
        400,
      );
    }
    const input = parsed.data;
    const upload = body.featureImageFile;
    if (Buffer.isBuffer(upload) && upload.length > 0) {
      const stored = await storeImage(app.config.paths.media, upload);
      if (!stored.ok) {
        const message =
          stored.reason === 'too_large'
            ? `The image is larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MB.`
            : 'The file is not a JPEG, PNG, GIF or WebP image.';
        return renderEditor(reply, { post: current, values: input, error: message }, 400);
      }
      input.featureImage = `${app.config.apps.blog.publicUrl}/media/${stored.path}`;
    }
    const authorId = await authorFor(app, request);
    const result = await saveFromEditor(deps(), { id, input, action: action.data as EditorAction, authorId });
    if (!result.ok) {
      const status = result.reason === 'conflict' ? 409 : result.reason === 'not_found' ? 404 : 400;
      // The typed text comes back in the form: nothing is lost.
      return renderEditor(
        reply,
        { post: current, values: input, error: result.message, conflict: result.reason === 'conflict' },
        status,
      );
    }
    const flash = result.ghostWarning ? `&warning=${encodeURIComponent(result.ghostWarning)}` : '';
    return reply.redirect(`/admin/posts/${result.post.id}/edit?saved=${action.data}${flash}`, 303);
  }

  function renderEditor(
    reply: FastifyReply,
    ctx: {
      post: Awaited<ReturnType<typeof getEditablePost>>;
      values: PostInput;
      error?: string | undefined;
      conflict?: boolean;
    },
    status = 200,
  ) {
    const query = reply.request.query as Record<string, string | undefined>;
    return reply.code(status).view('admin/editor.njk', {
      title: ctx.post ? `Edit: ${ctx.post.title}` : 'New post',
      post: ctx.post,
      values: ctx.values,
      error: ctx.error,
      conflict: ctx.conflict ?? false,
      saved: status === 200 ? query.saved : undefined,
      warning: status === 200 ? query.warning : undefined,
      timezone: app.config.site.timezone,
    });
  }
};

function parseAutosave(body: unknown): PostInput {
  const input = postInputSchema.safeParse(body);
  if (!input.success)
    throw new AppError('HTTP_REQUEST_INVALID', input.error.issues[0]?.message ?? 'Invalid post');
  return input.data;
}

function parseId(request: FastifyRequest) {
  const parsed = IdParams.safeParse(request.params);
  if (!parsed.success) throw new AppError('RESOURCE_NOT_FOUND');
  return parsed.data;
}

async function loadPost(app: FastifyInstance, request: FastifyRequest) {
  const post = await getEditablePost(app.db.db, parseId(request).id);
  if (!post) throw new AppError('RESOURCE_NOT_FOUND', 'That post does not exist');
  return post;
}

function emptyValues(): PostInput {
  return {
    title: '',
    slug: '',
    html: '',
    excerpt: '',
    tags: '',
    featureImage: '',
    featureImageAlt: '',
    publishAt: '',
    ghostUpdatedAt: '',
  };
}

function valuesOf(post: Awaited<ReturnType<typeof getEditablePost>>): PostInput {
  if (!post) return emptyValues();
  return {
    title: post.title,
    slug: post.slug,
    html: post.html ?? '',
    excerpt: post.customExcerpt ?? '',
    tags: post.tagNames.join(', '),
    featureImage: post.featureImage ?? '',
    featureImageAlt: post.featureImageAlt ?? '',
    publishAt: '',
    ghostUpdatedAt: post.ghostUpdatedAt?.toISOString() ?? '',
  };
}

/** The signed-in admin's author record (created from their account on first post). */
async function authorFor(app: FastifyInstance, request: FastifyRequest): Promise<number | null> {
  const user = request.user;
  if (!user) return null;
  const [existing] = await app.db.db
    .select({ id: authors.id })
    .from(authors)
    .where(eq(authors.email, user.email))
    .limit(1);
  if (existing) return existing.id;
  const base = slugify(user.username ?? user.name ?? user.email.split('@')[0] ?? 'author');
  const [created] = await app.db.db
    .insert(authors)
    .values({ slug: `${base}-${user.id}`, name: user.name ?? user.email.split('@')[0]!, email: user.email })
    .onConflictDoNothing()
    .returning({ id: authors.id });
  return created?.id ?? null;
}

function federationOf(app: FastifyInstance) {
  const services = (app as unknown as { services?: { federation?: unknown } }).services;
  return (services?.federation as PublishingDeps['federation'] | undefined) ?? null;
}

export default editorRoutes;
