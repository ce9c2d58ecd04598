import { IdParams } from '@rose-ash/shared/contracts/http.ts';
import { wantsActivityJson } from '@rose-ash/shared/infrastructure/activitypub/plugin.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { requireUser } from '@rose-ash/shared/infrastructure/sessions.ts';
import { z } from 'zod';
import { Csrf, hubNav, MaxIdQuery, memberWithHandle } from '../../services/hub-pages.ts';

const Username = z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'not a username');
const MemberParams = z.object({ username: Username });
const ListParams = z.object({ username: Username, which: z.enum(['followers', 'following']) });
const NoteParams = z.object({ username: Username, key: z.uuid() });
const AnswerParams = IdParams.extend({ answer: z.enum(['accept', 'reject']) });
const CsrfForm = z.object({ _csrf: Csrf });
const AsDocument = z.looseObject({});

/**
 * Members on the fediverse: profile pages (`/@name`, the actor's `url`), followers and
 * following lists, follow requests for members who approve followers by hand, and members'
 * notes at their ActivityStreams ids (`/users/<name>/statuses/<uuid>`).
 */
const memberRoutes: RoutePlugin = async (app) => {
  const federation = app.services.federation;

  const memberOr404 = async (username: string) => {
    const member = await federation.getMemberByUsername(username);
    if (!member?.username || !member.actorUri) throw new AppError('RESOURCE_NOT_FOUND', 'No such member');
    return member as typeof member & { username: string; actorUri: string };
  };

  app.get(
    '/@:username',
    { schema: { params: MemberParams, querystring: MaxIdQuery } },
    async (request, reply) => {
      const member = await memberOr404(request.params.username);
      if (member.username !== request.params.username) return reply.redirect(`/@${member.username}`, 301);
      const viewerId = request.user?.id ?? null;
      const [timeline, followers, following, followState, viewer] = await Promise.all([
        federation.accountTimeline(viewerId, member.actorUri, { maxId: request.query.max_id }),
        federation.followers(member.username, {}),
        federation.following(member.username, {}),
        viewerId ? federation.followState(viewerId, member.actorUri) : Promise.resolve('none' as const),
        viewerId ? federation.getMember(viewerId) : Promise.resolve(null),
      ]);
      return reply.view('social/member.njk', {
        title: member.displayName ?? member.username,
        member,
        timeline,
        followerCount: followers?.total ?? 0,
        followingCount: following?.total ?? 0,
        followState,
        isSelf: viewerId === member.userId,
        viewerHasHandle: !!viewer?.username,
        ...(await hubNav(app, request, 'member')),
      });
    },
  );

  app.get(
    '/@:username/:which',
    { schema: { params: ListParams, querystring: MaxIdQuery } },
    async (request, reply) => {
      const member = await memberOr404(request.params.username);
      const { which } = request.params;
      const list =
        which === 'followers'
          ? await federation.followers(member.username, { maxId: request.query.max_id })
          : await federation.following(member.username, { maxId: request.query.max_id });
      return reply.view('social/follows.njk', {
        title: `${which === 'followers' ? 'Followers of' : 'Followed by'} ${member.displayName ?? member.username}`,
        member,
        which,
        list,
        ...(await hubNav(app, request, 'member')),
      });
    },
  );

  app.get('/social/follow-requests', { preHandler: requireUser }, async (request, reply) => {
    const member = await memberWithHandle(app, request, reply);
    if (!member) return reply;
    return reply.header('cache-control', 'private, no-store').view('social/follow-requests.njk', {
      title: 'Follow requests',
      requests: await federation.followRequests(member.userId),
      ...(await hubNav(app, request, 'notifications')),
    });
  });

  app.post(
    '/social/follow-requests/:id/:answer',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { params: AnswerParams, body: CsrfForm },
    },
    async (request, reply) => {
      const member = await memberWithHandle(app, request, reply);
      if (!member) return reply;
      const accept = request.params.answer === 'accept';
      const result = await federation.answerFollowRequest(member.userId, request.params.id, accept);
      if (!result.ok) throw new AppError('RESOURCE_NOT_FOUND', 'That follow request is no longer waiting');
      setFlash(reply, app.config, {
        kind: 'success',
        message: accept ? 'Follow request approved.' : 'Follow request declined.',
      });
      return reply.redirect('/social/follow-requests', 303);
    },
  );

  // A member's note at its id: the ActivityStreams document for servers, the thread for people.
  app.get(
    '/users/:username/statuses/:key',
    { schema: { params: NoteParams, response: { 200: AsDocument } } },
    async (request, reply) => {
      const username = request.params.username.toLowerCase();
      const uri = `${federation.actorUri({ username })}/statuses/${request.params.key}`;
      const note = await federation.getLocalNote(uri);
      reply.header('vary', 'Accept');
      if (!note) throw new AppError('RESOURCE_NOT_FOUND');
      if (note.kind === 'gone') {
        throw new AppError('RESOURCE_GONE', 'This post has been deleted', { activity: note.tombstone });
      }
      if (wantsActivityJson(request.headers.accept)) {
        return reply.type('application/activity+json; charset=utf-8').send(note.document);
      }
      return reply.redirect(`/social/notes/${note.objectId}`, 303);
    },
  );
};

export default memberRoutes;
