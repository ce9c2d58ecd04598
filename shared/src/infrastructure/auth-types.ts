/** The signed-in member as every app sees it (from its own session, or from trusted internal headers). */
export interface SessionUser {
  id: number;
  email: string;
  name: string | null;
  username: string | null;
  isAdmin: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in member, or null. Set by the sessions plugin (and trusted internal headers). */
    user: SessionUser | null;
  }
}
