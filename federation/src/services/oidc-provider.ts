import { createPrivateKey } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AppConfig, AppName } from '@rose-ash/shared/config/index.ts';
import type { Database } from '@rose-ash/shared/db/client.ts';
import { escapeHtml } from '@rose-ash/shared/infrastructure/html-text.ts';
import { lazyRequire } from '@rose-ash/shared/infrastructure/lazy.ts';
import { findUserById } from '@rose-ash/shared/services/federation/user-service.ts';
import type { FastifyBaseLogger } from 'fastify';
import type * as Jose from 'jose';
import type { JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { createOidcAdapter } from './oidc-adapter.ts';

/** JOSE loads with the provider (the first sign-in request), like oidc-provider itself. */
const jose = lazyRequire<typeof Jose>('jose', import.meta.url);

/** The scopes every first-party client gets without a consent screen. */
export const FIRST_PARTY_SCOPE = 'openid email profile';

export type ClientAppName = Exclude<AppName, 'federation'>;
export const CLIENT_APPS: readonly ClientAppName[] = ['blog', 'market', 'cart', 'events', 'account'];

export interface OidcProviderDeps {
  config: AppConfig;
  db: Database;
  logger: FastifyBaseLogger;
  /** Called after RP-initiated logout ended the whole provider session (federation ends its own). */
  onSessionEnded?: (req: IncomingMessage) => Promise<void>;
  /**
   * Called after each successful authorization with the provider session's uid, so federation
   * can tie its own session in that browser to it (the account's "sign out this device").
   */
  onAuthorized?: (req: IncomingMessage, sessionUid: string) => Promise<void>;
}

/** Our clients, one per app, straight from configuration. */
export function clientsFromConfig(config: AppConfig): ClientMetadata[] {
  return CLIENT_APPS.map((name) => {
    const app = config.apps[name];
    return {
      client_id: name,
      client_secret: config.secrets.oidcClientSecrets[name],
      client_name: app.title,
      redirect_uris: [`${app.publicUrl}/auth/callback`],
      post_logout_redirect_uris: [`${app.publicUrl}/`],
      // The provider calls this itself, server to server: the internal URL.
      backchannel_logout_uri: `${app.internalUrl}/auth/backchannel-logout`,
      backchannel_logout_session_required: true,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    };
  });
}

/** The configured PEM signing key as a private JWK with a thumbprint `kid`. */
export async function signingJwk(pem: string): Promise<JWK> {
  const jwk = createPrivateKey(pem).export({ format: 'jwk' }) as JWK;
  const kid = await jose().calculateJwkThumbprint({
    kty: jwk.kty as string,
    n: jwk.n as string,
    e: jwk.e as string,
  });
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}

/**
 * A fetch for outbound provider calls. The provider's default refuses private and loopback
 * addresses (an SSRF guard), which would silently break back-channel logout to our own apps;
 * exactly our configured app origins are let through without it, everything else keeps it.
 */
export function providerFetch(config: AppConfig): NonNullable<Configuration['fetch']> {
  const ours = new Set(
    Object.values(config.apps).flatMap((a) => [new URL(a.internalUrl).origin, new URL(a.publicUrl).origin]),
  );
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (init && ours.has(new URL(url).origin)) {
      const { dispatcher: _guard, ...rest } = init as RequestInit & { dispatcher?: unknown };
      return globalThis.fetch(input, rest);
    }
    return globalThis.fetch(input, init);
  };
}

function page(title: string, body: string, script?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="/static/css/site.css"></head><body><main id="main" class="container"><section class="auth-page">${body}</section></main>${script ? `<script src="${script}"></script>` : ''}</body></html>`;
}

/**
 * oidc-provider 9 configured for Rose Ash: issuer `<federation>/oidc`, Postgres storage, one
 * client per app, PKCE required, no consent for our clients, RS256 key and cookie keys from
 * configuration, back-channel and RP-initiated logout. Mount with middie at `/oidc`.
 */
export async function createOidcProvider(deps: OidcProviderDeps): Promise<Provider> {
  const { config, db, logger } = deps;
  const issuer = `${config.apps.federation.publicUrl}/oidc`;
  const clientIds = new Set<string>(CLIENT_APPS);
  const cookieOptions = {
    signed: true,
    secure: config.isProduction,
    sameSite: 'lax' as const,
    httpOnly: true,
  };

  const configuration: Configuration = {
    adapter: createOidcAdapter(db),
    clients: clientsFromConfig(config),
    jwks: { keys: [await signingJwk(config.secrets.oidcSigningKey)] },
    cookies: { keys: config.secrets.cookieKeys, long: cookieOptions, short: cookieOptions },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
    },
    scopes: ['openid', 'email', 'profile'],
    responseTypes: ['code'],
    // The apps read e-mail and name straight from the ID token.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
          // Only a request carrying a valid id_token_hint (validated before we are called) may
          // end the session without a click; otherwise the member confirms.
          const hinted = Boolean(ctx.oidc.entities.IdTokenHint && ctx.oidc.client);
          const confirmed = form.replace(
            '</form>',
            '<input type="hidden" name="logout" value="yes"/><button type="submit" class="button">Sign out everywhere</button></form>',
          );
          const withMarker = hinted
            ? confirmed.replace('<form ', '<form data-autosubmit="true" ')
            : confirmed;
          ctx.type = 'html';
          ctx.body = page(
            'Sign out',
            `<h1>Sign out</h1><p>${hinted ? 'Signing you out of every Rose Ash app…' : 'Sign out of every Rose Ash app on this device?'}</p>${withMarker}`,
            hinted ? '/static/js/auth-autosubmit.js' : undefined,
          );
        },
        postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
          ctx.type = 'html';
          ctx.body = page(
            'Signed out',
            `<h1>You are signed out</h1><p><a class="button" href="${escapeHtml(config.apps.blog.publicUrl)}/">Back to ${escapeHtml(config.site.name)}</a></p>`,
          );
        },
      },
    },
    findAccount: async (_ctx, id) => {
      const userId = Number(id);
      if (!Number.isSafeInteger(userId)) return undefined;
      const user = await findUserById(db, userId);
      // A closed account signs in nowhere, even with a provider session that outlived it.
      if (!user || user.closedAt) return undefined;
      return {
        accountId: String(user.id),
        claims: async () => ({
          sub: String(user.id),
          email: user.email,
          email_verified: user.emailVerifiedAt !== null,
          ...(user.displayName ? { name: user.displayName } : {}),
          ...(user.username ? { preferred_username: user.username } : {}),
        }),
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // First-party clients skip consent: a grant with the fixed scope set is created on demand.
    loadExistingGrant: async (ctx) => {
      const client = ctx.oidc.client;
      const session = ctx.oidc.session;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.['consent']?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      if (!clientIds.has(client.clientId)) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(FIRST_PARTY_SCOPE);
      await grant.save();
      return grant;
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      // A sign-in is finished in minutes; an abandoned one should not linger for an hour.
      Interaction: 15 * 60,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in problem',
        `<h1>Sign-in could not continue</h1><p>${escapeHtml(String(out['error_description'] ?? out['error'] ?? 'error'))}</p><p><a class="button" href="${escapeHtml(config.apps.blog.publicUrl)}/">Back to ${escapeHtml(config.site.name)}</a></p>`,
      );
    },
    fetch: providerFetch(config),
  };

  // The package (and koa under it) is loaded here, with the first sign-in, not at start.
  const { default: OidcProvider } = await import('oidc-provider');
  const provider = new OidcProvider(issuer, configuration);
  // Behind the proxy the forwarded headers are trusted (the issuer itself stays configured).
  provider.proxy = true;

  provider.on('backchannel.error', (_ctx, err, client, accountId, sid) => {
    logger.warn({ err, client: client.clientId, accountId, sid }, 'back-channel logout failed');
  });
  provider.on('server_error', (_ctx, err) => logger.error({ err }, 'OIDC provider error'));
  provider.on('authorization.success', (ctx) => {
    const uid = ctx.oidc.session?.uid;
    if (uid && deps.onAuthorized) {
      deps
        .onAuthorized(ctx.req, uid)
        .catch((err: unknown) => logger.warn({ err }, 'linking the federation session failed'));
    }
  });
  provider.on('end_session.success', (ctx) => {
    if (ctx.oidc.params?.['logout'] && deps.onSessionEnded) {
      deps
        .onSessionEnded(ctx.req)
        .catch((err: unknown) => logger.warn({ err }, 'ending the federation session failed'));
    }
  });
  return provider;
}
