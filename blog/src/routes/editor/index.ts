import fastifyMultipart from '@fastify/multipart';
import {
  type EditablePostDto,
  EditorActionDto,
  PostInputDto as PostInput,
  type PostInputDto,
  type WriterDto,
} from '@rose-ash/shared/contracts/dtos.ts';
import { IdParams } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { requireAdmin } from '@rose-ash/shared/infrastructure/sessions.ts';
import { fullHtml } from '@rose-ash/shared/services/blog/ghost-html.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { MAX_IMAGE_BYTES, storeImage } from '../../services/media-service.ts';

const ListQuery = z.object({
  status: z.enum(['draft', 'scheduled', 'published']).optional(),
  type: z.enum(['post', 'page']).default('post'),
});
const NewQuery = z.object({ type: z.enum(['post', 'page']).default('post') });
const EditQuery = z.object({
  saved: z.enum(['save', 'publish', 'schedule', 'unpublish']).optional(),
  warning: z.string().max(300).optional(),
});

/** The editor form as the browser posts it (multipart: the fields, the action, maybe an image). */
const SaveForm = PostInput.extend({
  action: EditorActionDto.default('save'),
  _csrf: z.string().max(200).optional(),
  featureImageFile: z.instanceof(Buffer).optional(),
});
/** Delete needs nothing but the button (the rest of the form may come along, unread). */
const DeleteForm = z.object({ action: z.literal('delete'), _csrf: z.string().max(200).optional() });
const EditorForm = z.union([DeleteForm, SaveForm]);

/** What the editor script sends while typing. */
const AutosaveBody = PostInput.extend({ _csrf: z.string().max(200).optional() });
const AutosaveCreated = z.object({
  ok: z.literal(true),
  id: z.number().int(),
  editUrl: z.string(),
  formAction: z.string(),
  autosaveUrl: z.string(),
  savedAt: z.string(),
});
const AutosaveSaved = z.object({
  ok: z.literal(true),
  savedAt: z.string(),
  ghostUpdatedAt: z.date().nullable(),
});

/**
 * The post editor for admins: list with status filters, create, edit (TipTap, autosave),
 * publish now, schedule, unpublish, delete, feature-image upload and preview. The admin check
 * runs first (onRequest), before any body is read.
 */
const editorRoutes: RoutePlugin = async (app) => {
  const blog = app.services.blog;
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_IMAGE_BYTES + 1, files: 1, fields: 30, fieldSize: 2_000_000 },
  });
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'private, no-store');
  });

  const loadPost = async (id: number) => {
    const post = await blog.getEditablePost(id);
    if (!post) throw new AppError('RESOURCE_NOT_FOUND', 'That post does not exist');
    return post;
  };
  /** The editor page again, for a form that broke its contract. */
  const formContext = async (request: FastifyRequest) => {
    const id = IdParams.safeParse(request.params);
    const post = id.success ? await blog.getEditablePost(id.data.id) : null;
    return {
      title: post ? `Edit: ${post.title}` : 'New post',
      post,
      type: post?.type ?? 'post',
      conflict: false,
      timezone: app.config.site.timezone,
    };
  };

  app.get(
    '/admin/posts',
    { onRequest: requireAdmin, schema: { querystring: ListQuery } },
    async (request, reply) => {
      const { status, type } = request.query;
      const posts = await blog.listAdminPosts(status, type);
      return reply.view('admin/posts.njk', {
        title: type === 'page' ? 'Pages' : 'Posts',
        posts,
        type,
        status: status ?? 'all',
      });
    },
  );

  app.get(
    '/admin/posts/new',
    { onRequest: requireAdmin, schema: { querystring: NewQuery } },
    async (request, reply) =>
      renderEditor(reply, { post: null, values: { ...emptyValues(), type: request.query.type } }),
  );

  app.get(
    '/admin/posts/:id/edit',
    { onRequest: requireAdmin, schema: { params: IdParams, querystring: EditQuery } },
    async (request, reply) => {
      const post = await loadPost(request.params.id);
      return renderEditor(reply, { post, values: valuesOf(post) }, 200, request.query);
    },
  );

  app.get(
    '/admin/posts/:id/preview',
    { onRequest: requireAdmin, schema: { params: IdParams } },
    async (request, reply) => {
      const post = await loadPost(request.params.id);
      return reply.view('post.njk', {
        title: `Preview: ${post.title}`,
        post: { ...post, readingTime: null, author: null, authors: [], tags: [], locked: null },
        body: fullHtml(post.html),
        preview: true,
      });
    },
  );

  const formRoute = {
    onRequest: requireAdmin,
    preValidation: app.csrfProtection,
    config: { form: { view: 'admin/editor.njk', context: formContext } },
  };

  app.post('/admin/posts', { ...formRoute, schema: { body: EditorForm } }, async (request, reply) =>
    submit(request, reply, null, request.body),
  );

  app.post(
    '/admin/posts/:id',
    { ...formRoute, schema: { params: IdParams, body: EditorForm } },
    async (request, reply) => submit(request, reply, request.params.id, request.body),
  );

  /**
   * Autosave from the editor script: JSON in, JSON out. Drafts and scheduled posts only — a
   * published post changes (and is announced) when its author presses Update, never mid-typing.
   * The first autosave of a new post creates the draft and tells the script where it lives.
   */
  app.post(
    '/admin/posts/autosave',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { body: AutosaveBody, response: { 200: AutosaveCreated } },
    },
    async (request) => {
      const { _csrf, ...input } = request.body;
      const result = await blog.savePost({ id: null, input, action: 'save', writer: writerOf(request) });
      if (!result.ok) throw new AppError('RESOURCE_CONFLICT', result.message);
      return {
        ok: true as const,
        id: result.post.id,
        editUrl: `/admin/posts/${result.post.id}/edit`,
        formAction: `/admin/posts/${result.post.id}`,
        autosaveUrl: `/admin/posts/${result.post.id}/autosave`,
        savedAt: result.post.updatedAt.toISOString(),
      };
    },
  );

  app.post(
    '/admin/posts/:id/autosave',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: AutosaveBody, response: { 200: AutosaveSaved } },
    },
    async (request) => {
      const current = await loadPost(request.params.id);
      if (current.status === 'published') {
        throw new AppError('RESOURCE_CONFLICT', 'Published posts are saved with the Update button');
      }
      const { _csrf, ...input } = request.body;
      const result = await blog.savePost({ id: current.id, input, action: 'save', writer: null });
      if (!result.ok) {
        throw new AppError(
          result.reason === 'not_found' ? 'RESOURCE_NOT_FOUND' : 'RESOURCE_CONFLICT',
          result.message,
        );
      }
      return {
        ok: true as const,
        savedAt: result.post.updatedAt.toISOString(),
        ghostUpdatedAt: result.post.ghostUpdatedAt,
      };
    },
  );

  async function submit(
    request: FastifyRequest,
    reply: FastifyReply,
    id: number | null,
    body: z.infer<typeof EditorForm>,
  ) {
    const current = id ? await loadPost(id) : null;
    if (body.action === 'delete') {
      if (!id) throw new AppError('HTTP_REQUEST_INVALID', 'Nothing to delete');
      const removed = await blog.deletePost(id);
      if (!removed.ok)
        return renderEditor(reply, { post: current, values: valuesOf(current), error: removed.message }, 409);
      return reply.redirect('/admin/posts?deleted=1', 303);
    }
    const { action, _csrf, featureImageFile, ...input } = body;

    if (featureImageFile && featureImageFile.length > 0) {
      const stored = await storeImage(app.config.paths.media, featureImageFile);
      if (!stored.ok) {
        const message =
          stored.reason === 'too_large'
            ? `The image is larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MB.`
            : 'The file is not a JPEG, PNG, GIF or WebP image.';
        return renderEditor(reply, { post: current, values: input, error: message }, 400);
      }
      input.featureImage = `${app.config.apps.blog.publicUrl}/media/${stored.path}`;
    }
    const result = await blog.savePost({ id, input, action, writer: writerOf(request) });
    if (!result.ok) {
      const status = {
        conflict: 409,
        not_found: 404,
        invalid_schedule: 400,
        ghost_rejected: 422,
        ghost_error: 502,
      }[result.reason];
      // The typed text comes back in the form: nothing is lost.
      return renderEditor(
        reply,
        { post: current, values: input, error: result.message, conflict: result.reason === 'conflict' },
        status,
      );
    }
    const flash = result.ghostWarning ? `&warning=${encodeURIComponent(result.ghostWarning)}` : '';
    return reply.redirect(`/admin/posts/${result.post.id}/edit?saved=${action}${flash}`, 303);
  }

  function renderEditor(
    reply: FastifyReply,
    ctx: {
      post: EditablePostDto | null;
      values: PostInputDto;
      error?: string | undefined;
      conflict?: boolean;
    },
    status = 200,
    flash: z.infer<typeof EditQuery> = {},
  ) {
    const type = ctx.post?.type ?? ctx.values.type ?? 'post';
    return reply.code(status).view('admin/editor.njk', {
      title: ctx.post ? `Edit: ${ctx.post.title}` : type === 'page' ? 'New page' : 'New post',
      type,
      post: ctx.post,
      values: ctx.values,
      error: ctx.error,
      conflict: ctx.conflict ?? false,
      saved: flash.saved,
      warning: flash.warning,
      timezone: app.config.site.timezone,
    });
  }
};

/** The signed-in admin, as the blog service records authors. */
function writerOf(request: FastifyRequest): WriterDto | null {
  const user = request.user;
  return user ? { userId: user.id, email: user.email, name: user.name, username: user.username } : null;
}

function emptyValues(): PostInputDto {
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

function valuesOf(post: EditablePostDto | null): PostInputDto {
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
    type: post.type,
  };
}

export default editorRoutes;
