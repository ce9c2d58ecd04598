/**
 * The browsers a member is signed in on. A browser is one single sign-on session at the
 * provider (federation's `oidc_payloads`), whose per-app `sid`s name the apps' own sessions
 * (each app keeps them in the shared cache, indexed by sid and by member); federation's own
 * session in that browser is tied to it when the provider authorizes (see federation's
 * `onAuthorized`). Sessions without a provider session (a signed-in federation page whose
 * single sign-on session expired, tests) are shown as browsers of their own.
 *
 * Signing a browser out does what back-channel logout does for each app (its sessions with
 * that sid end) and what RP-initiated logout does at the provider (the session and its grants
 * end, so nothing signs the browser in again silently), directly on the shared stores: no app
 * has to be reachable for it to take effect.
 */
import { createHash } from 'node:crypto';
import { APP_NAMES, type AppName } from '../../config/app-names.ts';
import { DeviceSessionDto as DeviceSchema, type DeviceSessionDto, freezeAll } from '../../contracts/dtos.ts';
import type { AccountService, FederationService } from '../../contracts/protocols.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { type Session, SessionStore } from '../../infrastructure/sessions.ts';

/** Where one app session belongs: a provider session (by uid) or nowhere (`solo`). */
type DeviceKey = `sso:${string}` | `solo:${AppName}:${string}`;

interface Device {
  key: DeviceKey;
  apps: Set<string>;
  sessions: { app: AppName; id: string }[];
  /** The provider session, when there is one. */
  sso: { uid: string; sids: string[]; createdAt: Date | null } | null;
  createdAt: Date | null;
  lastSeenAt: Date | null;
  userAgent: string | null;
  current: boolean;
}

/** An opaque handle: a device list never shows a session id or a provider uid. */
const handleOf = (userId: number, key: DeviceKey) =>
  createHash('sha256').update(`device:${userId}:${key}`).digest('base64url').slice(0, 22);

const earliest = (a: Date | null, b: Date | null) => (!a ? b : !b ? a : a < b ? a : b);
const latest = (a: Date | null, b: Date | null) => (!a ? b : !b ? a : a > b ? a : b);

export function createDevices(deps: {
  cache: Cache;
  federation: Pick<FederationService, 'listSignInSessions' | 'endSignInSessions'>;
}): Pick<AccountService, 'listDevices' | 'signOut'> & {
  /** Rewrites the member's name and e-mail in every app's sessions (after a profile change). */
  refreshSessions(userId: number, user: { email: string; name: string | null }): Promise<void>;
} {
  const stores = new Map(APP_NAMES.map((app) => [app, new SessionStore(deps.cache, app)] as const));
  const store = (app: AppName) => stores.get(app) as SessionStore;

  async function devicesOf(
    userId: number,
    current: { app: AppName; sessionId: string } | null,
  ): Promise<Map<DeviceKey, Device>> {
    const sub = String(userId);
    const [sso, ...perApp] = await Promise.all([
      deps.federation.listSignInSessions(userId),
      ...APP_NAMES.map((app) => store(app).listBySub(sub)),
    ]);
    const devices = new Map<DeviceKey, Device>();
    const bySid = new Map<string, DeviceKey>();
    const linked = new Map<string, DeviceKey>();
    for (const session of sso) {
      const key: DeviceKey = `sso:${session.uid}`;
      devices.set(key, {
        key,
        apps: new Set(),
        sessions: [],
        sso: { uid: session.uid, sids: session.clients.map((c) => c.sid), createdAt: session.createdAt },
        createdAt: session.createdAt,
        lastSeenAt: null,
        userAgent: null,
        current: false,
      });
      for (const client of session.clients) bySid.set(client.sid, key);
      for (const own of await store('federation').listByDevice(session.uid)) linked.set(own.id, key);
    }
    APP_NAMES.forEach((app, i) => {
      for (const session of perApp[i] as Session[]) {
        const key: DeviceKey =
          (session.sid ? bySid.get(session.sid) : linked.get(session.id)) ?? `solo:${app}:${session.id}`;
        let device = devices.get(key);
        if (!device) {
          device = {
            key,
            apps: new Set(),
            sessions: [],
            sso: null,
            createdAt: null,
            lastSeenAt: null,
            userAgent: null,
            current: false,
          };
          devices.set(key, device);
        }
        device.apps.add(app);
        device.sessions.push({ app, id: session.id });
        device.createdAt = earliest(device.createdAt, new Date(session.createdAt));
        device.lastSeenAt = latest(device.lastSeenAt, new Date(session.lastSeenAt ?? session.createdAt));
        device.userAgent ??= session.userAgent ?? null;
        if (current && current.app === app && current.sessionId === session.id) device.current = true;
      }
    });
    return devices;
  }

  return {
    async listDevices(userId, current) {
      const devices = [...(await devicesOf(userId, current)).values()];
      const shown: DeviceSessionDto[] = devices.map((d) => ({
        id: handleOf(userId, d.key),
        apps: APP_NAMES.filter((a) => d.apps.has(a)),
        createdAt: d.createdAt,
        lastSeenAt: d.lastSeenAt,
        userAgent: d.userAgent,
        current: d.current,
      }));
      shown.sort(
        (a, b) =>
          Number(b.current) - Number(a.current) ||
          (b.lastSeenAt?.getTime() ?? 0) - (a.lastSeenAt?.getTime() ?? 0),
      );
      return freezeAll(DeviceSchema, shown);
    },

    async signOut(userId, device) {
      const sub = String(userId);
      if (device === 'all') {
        await deps.federation.endSignInSessions(userId, null);
        const ended = await Promise.all(APP_NAMES.map((app) => store(app).destroyBySub(sub)));
        return { ended: ended.reduce((a, b) => a + b, 0) };
      }
      const found = [...(await devicesOf(userId, null)).values()].find(
        (d) => handleOf(userId, d.key) === device,
      );
      if (!found) return { ended: 0 };
      let ended = 0;
      if (found.sso) {
        // The provider first: from here on no app can sign this browser in again silently.
        await deps.federation.endSignInSessions(userId, found.sso.uid);
        for (const app of APP_NAMES) {
          for (const sid of found.sso.sids) ended += await store(app).destroyBySid(sid);
        }
        ended += await store('federation').destroyByDevice(found.sso.uid);
      }
      for (const session of found.sessions) {
        const live = await store(session.app).get(session.id);
        if (live) {
          await store(session.app).destroy(session.id);
          ended++;
        }
      }
      return { ended };
    },

    async refreshSessions(userId, user) {
      const sub = String(userId);
      await Promise.all(
        APP_NAMES.map(async (app) => {
          for (const session of await store(app).listBySub(sub)) {
            await store(app).update(session.id, (data) => ({
              ...data,
              user: { ...data.user, email: user.email, name: user.name },
            }));
          }
        }),
      );
    },
  };
}
