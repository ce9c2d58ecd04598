import { describe, expect, it } from 'vitest';
import { createFederationService } from '../../src/services/federation/federation-service.ts';
import { testConfig } from '../../src/testing/config.ts';

describe('FederationService.actorUri', () => {
  it("names an app's Service actor and a member's Person actor", () => {
    const config = testConfig();
    const federation = createFederationService({ db: null as never, config });
    expect(federation.actorUri({ app: 'blog' })).toBe(`${config.apps.blog.publicUrl}/ap/actor`);
    expect(federation.actorUri({ username: 'ada' })).toBe(`${config.apps.federation.publicUrl}/users/ada`);
  });
});
