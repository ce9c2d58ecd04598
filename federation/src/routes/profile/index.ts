import fastifyMultipart from '@fastify/multipart';
import type { MemberDto } from '@rose-ash/shared/contracts/dtos.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { requireUser, startSession } from '@rose-ash/shared/infrastructure/sessions.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { MAX_AVATAR_BYTES, removeAvatar, storeAvatar } from '../../services/avatar-image.ts';
import { Csrf, hubNav } from '../../services/hub-pages.ts';

const UsernameForm = z.object({
  _csrf: Csrf,
  username: z
    .string()
    .trim()
    .min(1, 'Choose a username.')
    .max(30, 'At most 30 characters.')
    .regex(/^@?[A-Za-z0-9_]+$/, 'Only letters a–z, digits and _.'),
});
const ProfileForm = z.object({
  _csrf: Csrf,
  displayName: z.string().max(100, 'At most 100 characters.').optional(),
  bio: z.string().max(1_000, 'At most 1000 characters.').optional(),
  manuallyApprovesFollowers: z.literal('on').optional(),
});
const AvatarForm = z.object({ _csrf: Csrf, avatar: z.instanceof(Buffer).optional() });
const CsrfForm = z.object({ _csrf: Csrf });

const USERNAME_ERRORS: Record<string, string> = {
  invalid: 'Use 1–30 of the letters a–z, digits and _.',
  reserved: 'That name is reserved; please choose another.',
  taken: 'That name is taken; please choose another.',
  already_chosen: 'You already have a username; it cannot change.',
  not_found: 'Your account was not found.',
};
const AVATAR_ERRORS: Record<string, string> = {
  empty: 'Choose an image file.',
  too_large: 'The image is larger than 5 MB.',
  not_an_image: 'The avatar must be a PNG, JPEG or WebP image.',
  unreadable: 'That image could not be read.',
};

/**
 * A member's fediverse profile: picking the username (once), display name, bio, follower
 * approval and avatar (`/social/profile`).
 */
const profileRoutes: RoutePlugin = async (app) => {
  const federation = app.services.federation;
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_AVATAR_BYTES + 1, files: 1, fields: 5, fieldSize: 1_000 },
  });

  const page = async (request: FastifyRequest, extra: Record<string, unknown> = {}) => {
    const member = (await federation.getMember((request.user as { id: number }).id)) as MemberDto;
    return {
      title: 'Your fediverse profile',
      member,
      host: new URL(app.config.apps.federation.publicUrl).host,
      ...(await hubNav(app, request, 'profile')),
      ...extra,
    };
  };
  const formContext = (request: FastifyRequest) => page(request);

  app.get('/social/profile', { preHandler: requireUser }, async (request, reply) =>
    reply.header('cache-control', 'private, no-store').view('social/profile.njk', await page(request)),
  );

  app.post(
    '/social/profile/username',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { body: UsernameForm },
      config: { form: { view: 'social/profile.njk', context: formContext } },
    },
    async (request, reply) => {
      const user = request.user as NonNullable<typeof request.user>;
      const result = await federation.chooseUsername(user.id, request.body.username);
      if (!result.ok) {
        reply.code(result.reason === 'taken' || result.reason === 'already_chosen' ? 409 : 400);
        return reply.view(
          'social/profile.njk',
          await page(request, {
            values: { username: request.body.username },
            errors: { username: USERNAME_ERRORS[result.reason] },
          }),
        );
      }
      // The session carries the handle every app shows; renew it with the new one.
      if (request.session) {
        const { sub, sid, idToken } = request.session;
        await startSession(request, reply, {
          user: { ...request.session.user, username: result.username },
          sub,
          sid,
          idToken,
        });
      }
      setFlash(reply, app.config, {
        kind: 'success',
        message: `You are @${result.username} on the fediverse.`,
      });
      return reply.redirect('/social/profile', 303);
    },
  );

  app.post(
    '/social/profile',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { body: ProfileForm },
      config: { form: { view: 'social/profile.njk', context: formContext } },
    },
    async (request, reply) => {
      const user = request.user as NonNullable<typeof request.user>;
      await federation.updateProfile(user.id, {
        displayName: request.body.displayName ?? null,
        bio: request.body.bio ?? null,
        manuallyApprovesFollowers: request.body.manuallyApprovesFollowers === 'on',
      });
      setFlash(reply, app.config, { kind: 'success', message: 'Profile saved.' });
      return reply.redirect('/social/profile', 303);
    },
  );

  const saveAvatar = async (request: FastifyRequest, reply: FastifyReply, data: Buffer | undefined) => {
    const user = request.user as NonNullable<typeof request.user>;
    const stored = await storeAvatar(app.config.paths.media, data ?? Buffer.alloc(0));
    if (!stored.ok) {
      throw new AppError('SOCIAL_AVATAR_INVALID', AVATAR_ERRORS[stored.reason], {
        action: { href: '/social/profile', label: 'Back to your profile' },
      });
    }
    const { previous } = await federation.setAvatar(user.id, stored.path);
    await removeAvatar(app.config.paths.media, previous);
    setFlash(reply, app.config, { kind: 'success', message: 'Avatar saved.' });
    return reply.redirect('/social/profile', 303);
  };

  app.post(
    '/social/profile/avatar',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { body: AvatarForm },
    },
    async (request, reply) => saveAvatar(request, reply, request.body.avatar),
  );

  app.post(
    '/social/profile/avatar/remove',
    { onRequest: requireUser, preValidation: app.csrfProtection, schema: { body: CsrfForm } },
    async (request, reply) => {
      const user = request.user as NonNullable<typeof request.user>;
      const { previous } = await federation.setAvatar(user.id, null);
      await removeAvatar(app.config.paths.media, previous);
      setFlash(reply, app.config, { kind: 'success', message: 'Avatar removed.' });
      return reply.redirect('/social/profile', 303);
    },
  );
};

export default profileRoutes;
