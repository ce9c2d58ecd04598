import type { AppConfig } from '../../config/index.ts';
import { appActorImages } from './app-actor-images.ts';
import { ACTOR_CONTEXT, actorBaseUrl, keyId, type LocalActorRef, sharedInboxUri } from './uris.ts';

export interface LocalActorProfile {
  ref: LocalActorRef;
  uri: string;
  username: string;
  host: string;
  name: string;
  summary: string;
  published: Date;
  /** Members (social hub): the bio as HTML, the profile page, the avatar, follower approval. */
  member?: {
    summaryHtml: string;
    url: string;
    icon: { mediaType: string; url: string } | null;
    manuallyApprovesFollowers: boolean;
  };
}

/** The actor document (`Service` for apps, `Person` for members) served as activity+json. */
export function actorDocument(config: AppConfig, actor: LocalActorProfile, publicKeyPem: string) {
  const base = actorBaseUrl(config, actor.ref);
  const app = actor.ref.kind === 'app' ? actor.ref.app : 'federation';
  return {
    '@context': ACTOR_CONTEXT,
    id: actor.uri,
    type: actor.ref.kind === 'app' ? 'Service' : 'Person',
    preferredUsername: actor.username,
    name: actor.name,
    summary: actor.summary,
    url: actor.uri,
    inbox: `${actor.uri}/inbox`,
    outbox: `${actor.uri}/outbox`,
    followers: `${actor.uri}/followers`,
    following: `${actor.uri}/following`,
    endpoints: { sharedInbox: sharedInboxUri(config, app) },
    ...(actor.ref.kind === 'app'
      ? appActorImages(config, actor.ref.app)
      : { icon: { type: 'Image', mediaType: 'image/svg+xml', url: `${base}/static/img/favicon.svg` } }),
    manuallyApprovesFollowers: false,
    discoverable: true,
    published: actor.published.toISOString(),
    publicKey: { id: keyId(actor.uri), owner: actor.uri, publicKeyPem },
    ...memberFields(actor),
  };
}

/** What a member's `Person` has beyond an app's `Service` (set by the social hub's profile). */
function memberFields(actor: LocalActorProfile) {
  if (!actor.member) return {};
  const { summaryHtml, url, icon, manuallyApprovesFollowers } = actor.member;
  return {
    summary: summaryHtml,
    url,
    manuallyApprovesFollowers,
    ...(icon ? { icon: { type: 'Image', mediaType: icon.mediaType, url: icon.url } } : {}),
  };
}
