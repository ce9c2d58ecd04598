import { eq } from 'drizzle-orm';
import { freeze, ProfileDto } from '../../contracts/dtos.ts';
import type { AccountService } from '../../contracts/protocols.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import { users } from '../../db/schema/index.ts';

export interface AccountServiceDeps {
  db: DatabaseHandle;
}

/** Account reads over the shared schema (newsletters, tickets and orders arrive with their issue). */
export function createAccountService({ db }: AccountServiceDeps): AccountService {
  return {
    async getProfile(userId) {
      const [row] = await db.db
        .select({
          id: users.id,
          email: users.email,
          displayName: users.displayName,
          username: users.username,
          bio: users.bio,
        })
        .from(users)
        .where(eq(users.id, userId))
        .limit(1);
      return row ? freeze(ProfileDto, row) : null;
    },
  };
}
