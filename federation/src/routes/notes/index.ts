import { IdParams } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { requireUser } from '@rose-ash/shared/infrastructure/sessions.ts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Back, backTo, Csrf, hubNav, memberWithHandle, remoteCallOptions } from '../../services/hub-pages.ts';
import { CW_MAX, NOTE_MAX } from '../social/index.ts';

const ActionParams = IdParams.extend({ action: z.enum(['like', 'unlike', 'boost', 'unboost']) });
const EditForm = z.object({
  _csrf: Csrf,
  content: z
    .string()
    .trim()
    .min(1, 'Write something first.')
    .max(NOTE_MAX, `At most ${NOTE_MAX} characters.`),
  contentWarning: z.string().trim().max(CW_MAX, `At most ${CW_MAX} characters.`).optional(),
});
const ActionForm = z.object({ _csrf: Csrf, back: Back });
const ReportForm = z.object({
  _csrf: Csrf,
  comment: z.string().max(2_000, 'At most 2000 characters.').default(''),
});

/**
 * One post: its thread (anyone may read a public one), the reply box, edit and delete of a
 * member's own notes, like / boost and their undo, and reporting it to the admins.
 */
const noteRoutes: RoutePlugin = async (app) => {
  const federation = app.services.federation;
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'private, no-store');
  });

  const threadContext = async (request: FastifyRequest, id: number) => {
    const userId = request.user?.id ?? null;
    const [thread, member] = await Promise.all([
      federation.getThread(userId, id),
      userId ? federation.getMember(userId) : Promise.resolve(null),
    ]);
    if (!thread) throw new AppError('RESOURCE_NOT_FOUND', 'This post is not here, or not for you');
    const author = thread.status.author;
    return {
      title: `${author.name}: ${thread.status.contentWarning ?? 'post'}`,
      thread,
      member,
      // The reply box starts with the author's handle (a mention), as fediverse apps do.
      replyText: member?.username && !thread.status.byViewer ? `${author.handle} ` : '',
      ...(await hubNav(app, request, 'thread')),
    };
  };

  app.get('/social/notes/:id', { schema: { params: IdParams } }, async (request, reply) =>
    reply.view('social/thread.njk', await threadContext(request, request.params.id)),
  );

  const editContext = async (request: FastifyRequest) => {
    const id = IdParams.safeParse(request.params);
    const user = request.user;
    const note = id.success && user ? await federation.getNoteForEdit(user.id, id.data.id) : null;
    if (!note) throw new AppError('RESOURCE_NOT_FOUND', 'You can only edit your own posts');
    return { title: 'Edit post', note, ...(await hubNav(app, request, 'thread')) };
  };

  app.get(
    '/social/notes/:id/edit',
    { preHandler: requireUser, schema: { params: IdParams } },
    async (request, reply) => reply.view('social/edit-note.njk', await editContext(request)),
  );

  app.post(
    '/social/notes/:id/edit',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: EditForm },
      config: { form: { view: 'social/edit-note.njk', context: editContext } },
    },
    async (request, reply) => {
      const member = await memberWithHandle(app, request, reply);
      if (!member) return reply;
      const result = await federation.editNote(
        member.userId,
        request.params.id,
        { content: request.body.content, contentWarning: request.body.contentWarning || null },
        remoteCallOptions(app),
      );
      if (!result.ok) throw new AppError('RESOURCE_NOT_FOUND', 'You can only edit your own posts');
      setFlash(reply, app.config, { kind: 'success', message: 'Post updated.' });
      return reply.redirect(`/social/notes/${result.objectId}`, 303);
    },
  );

  app.post(
    '/social/notes/:id/delete',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: ActionForm },
    },
    async (request, reply) => {
      const member = await memberWithHandle(app, request, reply);
      if (!member) return reply;
      const result = await federation.deleteNote(member.userId, request.params.id);
      if (!result.ok) throw new AppError('RESOURCE_NOT_FOUND', 'You can only delete your own posts');
      setFlash(reply, app.config, { kind: 'success', message: 'Post deleted.' });
      const back = backTo(request.body.back, '/social/home');
      return reply.redirect(
        back.startsWith(`/social/notes/${request.params.id}`) ? '/social/home' : back,
        303,
      );
    },
  );

  app.post(
    '/social/notes/:id/:action',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { params: ActionParams, body: ActionForm },
    },
    async (request, reply) => {
      const member = await memberWithHandle(app, request, reply);
      if (!member) return reply;
      const { id, action } = request.params;
      const kind = action === 'like' || action === 'unlike' ? 'like' : 'announce';
      const result = await federation.interact(
        member.userId,
        id,
        kind,
        action === 'like' || action === 'boost',
      );
      if (!result.ok) {
        if (result.reason === 'not_boostable') {
          throw new AppError('SOCIAL_ACTION_REFUSED', 'Only public and unlisted posts can be boosted');
        }
        throw new AppError('RESOURCE_NOT_FOUND', 'This post is not here, or not for you');
      }
      return reply.redirect(backTo(request.body.back, `/social/notes/${id}`), 303);
    },
  );

  const reportContext = async (request: FastifyRequest) => {
    const id = IdParams.safeParse(request.params);
    const status = id.success ? await federation.getStatus(request.user?.id ?? null, id.data.id) : null;
    if (!status) throw new AppError('RESOURCE_NOT_FOUND', 'This post is not here, or not for you');
    return { title: 'Report a post', note: status, ...(await hubNav(app, request, 'thread')) };
  };

  app.get(
    '/social/notes/:id/report',
    { preHandler: requireUser, schema: { params: IdParams } },
    async (request, reply) => reply.view('social/report.njk', await reportContext(request)),
  );

  app.post(
    '/social/notes/:id/report',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: ReportForm },
      config: { form: { view: 'social/report.njk', context: reportContext } },
    },
    async (request, reply) => {
      const user = request.user as NonNullable<FastifyRequest['user']>;
      const result = await federation.reportStatus(user.id, request.params.id, request.body.comment);
      if (!result.ok) throw new AppError('RESOURCE_NOT_FOUND', 'This post is not here, or not for you');
      setFlash(reply, app.config, { kind: 'success', message: 'Thank you: the admins will look at it.' });
      return reply.redirect(`/social/notes/${request.params.id}`, 303);
    },
  );
};

export default noteRoutes;
