/**
 * Closing an account as the fediverse sees it, over real HTTP: a remote server follows the
 * member and has seen their post; the member closes their account (the mailed link); the
 * federation app's EventProcessor delivers `Delete` for the post and for the actor to the
 * follower, signed with the member's key; the actor and the post then answer 410 with a
 * Tombstone, and the old session no longer signs anyone in anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { Browser, formField } from '../shared/src/testing/http.ts';
import { type RemoteActor, RemoteFediverse } from '../shared/src/testing/remote-fediverse.ts';
import { linkFrom, type SmtpReceiver, startSmtpReceiver } from '../shared/src/testing/smtp.ts';

const EMAIL = 'leaving@account.test';
const AS = { accept: 'application/activity+json' };
let smtp: SmtpReceiver;
let remote: RemoteFediverse;
let rob: RemoteActor;
let cluster: Cluster;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  remote = await RemoteFediverse.start();
  rob = remote.addActor('rob', { name: 'Rob Remote', sharedInbox: true });
  cluster = await startCluster(['federation', 'blog', 'account'], {
    env: { SMTP_URL: smtp.url, RUN_EVENT_PROCESSOR: 'true' },
  });
});
afterAll(async () => {
  await cluster?.close();
  await remote?.close();
  await smtp?.close();
});

/** The closed member's user id (the row stays, as a tombstone, with the username). */
async function memberId(): Promise<number> {
  const [row] = await cluster.database.handle.query<{ id: number }>(
    `SELECT id FROM users WHERE username = 'leaving'`,
  );
  return row?.id ?? 0;
}

describe('closing an account', () => {
  it('sends Delete for the posts and the actor, which then answers 410; the old session is dead', async () => {
    const fed = cluster.url('federation');
    const account = cluster.url('account');
    const blog = cluster.url('blog');
    const browser = new Browser();

    // Sign in at the account (magic link through federation), pick a handle, post.
    const form = await browser.get(`${account}/auth/login?returnTo=%2F`);
    await browser.post(`${fed}/auth/magic-link`, {
      _csrf: formField(form.text, '_csrf') ?? '',
      uid: formField(form.text, 'uid') ?? '',
      email: EMAIL,
    });
    const signInLink = linkFrom(await smtp.waitForMail(EMAIL), `${fed}/auth/magic/`);
    const cont = await browser.get(signInLink);
    const home = await browser.post(signInLink, { _csrf: formField(cont.text, '_csrf') ?? '' });
    expect(home.url).toBe(`${account}/`);
    const profile = await browser.get(`${fed}/social/profile`);
    await browser.post(`${fed}/social/profile/username`, {
      _csrf: formField(profile.text, '_csrf') ?? '',
      username: 'leaving',
    });
    const memberUri = `${fed}/users/leaving`;
    const compose = await browser.get(`${fed}/social/home`);
    const posted = await browser.post(`${fed}/social/notes`, {
      _csrf: formField(compose.text, '_csrf') ?? '',
      content: 'Last harvest of the year',
      visibility: 'public',
    });
    expect(posted.status).toBe(200);

    // Rob follows the member (Accept comes back), so he is a delivery target.
    const follow = {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${rob.id}#follows/1`,
      type: 'Follow',
      actor: rob.id,
      object: memberUri,
    };
    expect((await remote.signedPost(rob, `${memberUri}/inbox`, follow)).status).toBe(202);
    await remote.waitFor(() => remote.received.some((p) => p.json?.['type'] === 'Accept'), 15_000);
    const outbox = (await (await fetch(`${memberUri}/outbox?page=1`, { headers: AS })).json()) as {
      orderedItems: { object: { id: string } }[];
    };
    const noteUri = outbox.orderedItems[0]?.object.id as string;
    expect((await fetch(noteUri, { headers: AS })).status).toBe(200);

    // Close the account: the link is mailed, the confirmation page's button does it.
    const data = await browser.get(`${account}/data`);
    const asked = await browser.post(`${account}/data/close`, { _csrf: formField(data.text, '_csrf') ?? '' });
    expect(asked.text).toContain('Check your mail');
    const closeLink = linkFrom(await smtp.waitForMail(EMAIL), `${account}/confirm/`);
    const confirm = await browser.get(closeLink);
    const closed = await browser.post(closeLink, { _csrf: formField(confirm.text, '_csrf') ?? '' });
    expect(closed.text).toContain('Your account is closed');

    // The follower receives Delete(Tombstone) for the post and Delete for the actor, signed as the member.
    const deletes = () => remote.received.filter((p) => p.json?.['type'] === 'Delete');
    await remote.waitFor(() => deletes().length >= 2, 20_000);
    const ofPost = deletes().find((p) => (p.json?.['object'] as { id?: string })?.id === noteUri);
    const ofActor = deletes().find((p) => p.json?.['object'] === memberUri);
    expect(ofPost?.json).toMatchObject({ actor: memberUri, object: { type: 'Tombstone', id: noteUri } });
    expect(ofActor?.json).toMatchObject({
      actor: memberUri,
      to: ['https://www.w3.org/ns/activitystreams#Public'],
    });
    expect(ofActor?.keyId).toBe(`${memberUri}#main-key`);
    expect(ofPost?.keyId).toBe(`${memberUri}#main-key`);

    // The actor and the post answer 410 with Tombstones; WebFinger no longer finds the handle.
    const actor = await fetch(memberUri, { headers: AS });
    expect(actor.status).toBe(410);
    expect(await actor.json()).toMatchObject({ id: memberUri, type: 'Tombstone', formerType: 'Person' });
    expect((await fetch(memberUri, { headers: { accept: 'text/html' } })).status).toBe(410);
    expect((await fetch(noteUri, { headers: AS })).status).toBe(410);
    const host = new URL(fed).host;
    expect((await fetch(`${fed}/.well-known/webfinger?resource=acct:leaving@${host}`)).status).toBe(404);

    // The old session signs nobody in: not here, not at federation, not silently elsewhere.
    expect((await browser.get(`${account}/`)).text).toContain('Sign in');
    expect((await browser.get(`${fed}/auth/login`)).text).toContain('Send me a sign-in link');
    const silent = await browser.get(`${blog}/auth/login?prompt=none&returnTo=%2F`);
    expect(silent.text).not.toContain(EMAIL);

    // Once the Deletes went out, the closure finishes: the followers are dropped.
    const finished = (await cluster.apps.account?.jobs.runNow('account.finish-closure', {
      userId: await memberId(),
      ghostMemberId: null,
    })) as { done: boolean };
    expect(finished.done).toBe(true);
    const [left] = await cluster.database.handle.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ap_follows WHERE following_uri = $1',
      [memberUri],
    );
    expect(left?.n).toBe(0);
  });
});
