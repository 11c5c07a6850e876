export type Role = 'admin' | 'uploader' | 'viewer';

export interface User {
  id: string;
  email: string;
  /** scrypt hash string; null for users that only sign in through an external identity provider. */
  passwordHash: string | null;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

export interface ApiToken {
  id: string;
  name: string;
  /** SHA-256 hex of the secret token; the secret itself is never stored. */
  tokenHash: string;
  /** The user the token acts for; null = an admin token made from the CLI. */
  userId: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}
