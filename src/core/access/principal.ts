import type { Role } from '../model/user.ts';

/** Who is asking: a signed-in user, an API token's owner, or nobody. */
export interface Principal {
  userId: string | null;
  role: Role;
  /** How the caller authenticated. */
  via: 'token' | 'session' | 'oidc';
}

export const ADMIN_TOKEN_PRINCIPAL: Principal = { userId: null, role: 'admin', via: 'token' };
