import type { AppConfig, AppName } from '../../config/index.ts';

/** Who an activity or document is about: an app's Service actor or a member's Person actor. */
export type LocalActorRef = { kind: 'app'; app: AppName } | { kind: 'member'; username: string };

export const AS_PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';
export const AS_CONTEXT = 'https://www.w3.org/ns/activitystreams';
export const SECURITY_CONTEXT = 'https://w3id.org/security/v1';
/** Mastodon's extension map: without it its JSON-LD reader drops these properties. */
export const MASTODON_CONTEXT = {
  manuallyApprovesFollowers: 'as:manuallyApprovesFollowers',
  toot: 'http://joinmastodon.org/ns#',
  discoverable: 'toot:discoverable',
  featured: { '@id': 'toot:featured', '@type': '@id' },
  Hashtag: 'as:Hashtag',
  sensitive: 'as:sensitive',
};
export const ACTOR_CONTEXT = [AS_CONTEXT, SECURITY_CONTEXT, MASTODON_CONTEXT] as const;

/** `host[:port]` of an app's public URL, the domain part of its `acct:` handles. */
export function appHost(config: AppConfig, app: AppName): string {
  return new URL(config.apps[app].publicUrl).host;
}

/** The public actor URI: `<app>/ap/actor` or `<federation>/users/<username>`. */
export function actorUri(config: AppConfig, actor: LocalActorRef): string {
  return actor.kind === 'app'
    ? `${config.apps[actor.app].publicUrl}/ap/actor`
    : `${config.apps.federation.publicUrl}/users/${encodeURIComponent(actor.username)}`;
}

/** The public base URL of the host an actor lives on. */
export function actorBaseUrl(config: AppConfig, actor: LocalActorRef): string {
  return actor.kind === 'app' ? config.apps[actor.app].publicUrl : config.apps.federation.publicUrl;
}

export function keyId(actor: string): string {
  return `${actor}#main-key`;
}

export function sharedInboxUri(config: AppConfig, app: AppName): string {
  return `${config.apps[app].publicUrl}/ap/inbox`;
}

/** Maps one of our actor URIs back to the actor, or null for anything else. */
export function parseLocalActorUri(config: AppConfig, uri: string): LocalActorRef | null {
  for (const [name, endpoint] of Object.entries(config.apps)) {
    if (uri === `${endpoint.publicUrl}/ap/actor`) return { kind: 'app', app: name as AppName };
  }
  const prefix = `${config.apps.federation.publicUrl}/users/`;
  if (uri.startsWith(prefix)) {
    const rest = uri.slice(prefix.length);
    if (rest && !rest.includes('/')) return { kind: 'member', username: decodeURIComponent(rest) };
  }
  return null;
}
