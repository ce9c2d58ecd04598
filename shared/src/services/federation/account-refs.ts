/**
 * Accounts as the social hub shows them (bylines, lists, notifications): our members, our app
 * actors and cached remote actors, by actor URI, in one round trip per kind.
 */
import { inArray } from 'drizzle-orm';
import type { AppConfig } from '../../config/index.ts';
import type { AccountRefDto } from '../../contracts/dtos.ts';
import type { DatabaseLike } from '../../db/client.ts';
import { type ApRemoteActor, apRemoteActors, users } from '../../db/schema/index.ts';
import { appHost, parseLocalActorUri } from '../../infrastructure/activitypub/uris.ts';
import { avatarUrl } from './avatars.ts';

/** The path of our page about a remote account. */
export const remoteAccountPath = (id: number) => `/social/accounts/${id}`;
/** The path of a member's profile page. */
export const memberProfilePath = (username: string) => `/@${username}`;

/** A remote actor row as an account line. */
export function remoteAccountRef(row: ApRemoteActor): AccountRefDto {
  const username = row.preferredUsername ?? lastSegment(row.uri);
  return {
    uri: row.uri,
    name: row.name?.trim() || username,
    handle: `@${username}@${row.host}`,
    avatarUrl: row.iconUrl,
    profilePath: remoteAccountPath(row.id),
    externalUrl: row.url ?? row.uri,
    local: false,
  };
}

function lastSegment(uri: string): string {
  try {
    const parts = new URL(uri).pathname.split('/').filter(Boolean);
    return decodeURIComponent(parts.at(-1) ?? new URL(uri).host).replace(/^@/, '');
  } catch {
    return uri;
  }
}

/** An account we know nothing about beyond its URI (not fetched yet, or gone). */
export function unknownAccountRef(uri: string): AccountRefDto {
  let host = '';
  try {
    host = new URL(uri).host;
  } catch {
    host = '?';
  }
  const username = lastSegment(uri);
  return {
    uri,
    name: username,
    handle: `@${username}@${host}`,
    avatarUrl: null,
    profilePath: `/social/search?q=${encodeURIComponent(uri)}`,
    externalUrl: /^https?:\/\//.test(uri) ? uri : null,
    local: false,
  };
}

/** Account lines for actor URIs: members, app actors and remote actors; unknown ones from the URI. */
export async function accountRefs(
  db: DatabaseLike,
  config: AppConfig,
  uris: Iterable<string>,
): Promise<Map<string, AccountRefDto>> {
  const wanted = [...new Set(uris)];
  const refs = new Map<string, AccountRefDto>();
  const memberUris = new Map<string, string>();
  const remote: string[] = [];
  for (const uri of wanted) {
    const local = parseLocalActorUri(config, uri);
    if (local?.kind === 'app') {
      refs.set(uri, {
        uri,
        name: `${config.site.name} ${config.apps[local.app].title}`,
        handle: `@${local.app}@${appHost(config, local.app)}`,
        avatarUrl: null,
        profilePath: uri,
        externalUrl: uri,
        local: true,
      });
    } else if (local?.kind === 'member') {
      memberUris.set(local.username.toLowerCase(), uri);
    } else {
      remote.push(uri);
    }
  }
  if (memberUris.size) {
    const rows = await db
      .select({ username: users.username, displayName: users.displayName, avatarPath: users.avatarPath })
      .from(users)
      .where(inArray(users.username, [...memberUris.keys()]));
    const host = appHost(config, 'federation');
    for (const row of rows) {
      if (!row.username) continue;
      const uri = memberUris.get(row.username) as string;
      refs.set(uri, {
        uri,
        name: row.displayName?.trim() || row.username,
        handle: `@${row.username}@${host}`,
        avatarUrl: avatarUrl(config, row.avatarPath),
        profilePath: memberProfilePath(row.username),
        externalUrl: `${config.apps.federation.publicUrl}${memberProfilePath(row.username)}`,
        local: true,
      });
    }
  }
  if (remote.length) {
    const rows = await db.select().from(apRemoteActors).where(inArray(apRemoteActors.uri, remote));
    for (const row of rows) refs.set(row.uri, remoteAccountRef(row));
  }
  for (const uri of wanted) if (!refs.has(uri)) refs.set(uri, unknownAccountRef(uri));
  return refs;
}
