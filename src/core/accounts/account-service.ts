import { randomBytes } from 'node:crypto';
import type { Principal } from '../access/principal.ts';
import { hashApiToken, newApiTokenSecret } from '../auth/api-tokens.ts';
import { checkPasswordStrength } from '../auth/passwords.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { ApiToken, Role, User } from '../model/user.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { Clock } from '../ports/clock.ts';

/** A user as the API and the CLI show it: never its password hash. */
export interface UserView {
  id: string;
  email: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  /** False for accounts that only sign in through an external identity provider. */
  hasPassword: boolean;
}

/** An API token as listed: its name and dates, never its secret or hash. */
export interface TokenView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** The user it acts for; null for an admin token made from the CLI. */
  userId: string | null;
  ownerEmail: string | null;
}

export interface UserChange {
  role?: Role;
  disabled?: boolean;
  /** A new password chosen by the admin. */
  password?: string;
  /** Replace the password with a generated temporary one, returned once. */
  resetPassword?: boolean;
}

/** Hashes passwords (the runtime's `Passwords`). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
}

export function userView(user: User): UserView {
  return { id: user.id, email: user.email, role: user.role, disabled: user.disabled, createdAt: user.createdAt, hasPassword: user.passwordHash !== null };
}

/**
 * Accounts and API tokens as admins manage them: list, create, change role, disable, reset a
 * password, revoke tokens. An admin cannot disable or demote the last enabled admin (nobody could
 * manage the installation any more). Removing an account disables it and revokes its tokens; its
 * videos and its e-mail address stay (the catalog keeps no deleted users).
 */
export class AccountService {
  constructor(private readonly deps: { catalog: Catalog; clock: Clock; passwords: PasswordHasher }) {}

  async listUsers(actor: Principal): Promise<UserView[]> {
    requireAdmin(actor);
    return (await this.deps.catalog.listUsers()).map(userView);
  }

  /**
   * Creates an account with the password given or, without one, a generated temporary password
   * returned as `temporaryPassword` (shown this once).
   */
  async createUser(actor: Principal, input: { email: string; role: Role; password?: string }): Promise<{ user: UserView; temporaryPassword?: string }> {
    requireAdmin(actor);
    if (input.password !== undefined) {
      const weak = checkPasswordStrength(input.password);
      if (weak) throw new ValidationError(weak);
    }
    const email = input.email.toLowerCase();
    if (await this.deps.catalog.getUserByEmail(email)) throw new ConflictError(`there is already an account for ${email}`);
    const temporaryPassword = input.password === undefined ? newTemporaryPassword() : undefined;
    const user = await this.deps.catalog.createUser({
      id: newId(),
      email,
      passwordHash: await this.deps.passwords.hash(input.password ?? (temporaryPassword as string)),
      role: input.role,
      disabled: false,
      createdAt: this.deps.clock.now().toISOString(),
    });
    return temporaryPassword === undefined ? { user: userView(user) } : { user: userView(user), temporaryPassword };
  }

  /** Applies `change`; `temporaryPassword` is set when a reset generated one (shown this once). */
  async updateUser(actor: Principal, id: string, change: UserChange): Promise<{ user: UserView; temporaryPassword?: string }> {
    requireAdmin(actor);
    if (change.password !== undefined && change.resetPassword) throw new ValidationError('give either a new password or resetPassword, not both');
    const user = await this.deps.catalog.getUser(id);
    if (!user) throw new NotFoundError('no such user');
    const losesAdmin = user.role === 'admin' && !user.disabled && ((change.role !== undefined && change.role !== 'admin') || change.disabled === true);
    if (losesAdmin) await this.keepAnAdmin(user.id);
    const patch: Partial<Omit<User, 'id' | 'createdAt'>> = {};
    if (change.role !== undefined) patch.role = change.role;
    if (change.disabled !== undefined) patch.disabled = change.disabled;
    let temporaryPassword: string | undefined;
    if (change.password !== undefined) {
      const weak = checkPasswordStrength(change.password);
      if (weak) throw new ValidationError(weak);
      patch.passwordHash = await this.deps.passwords.hash(change.password);
    } else if (change.resetPassword) {
      temporaryPassword = newTemporaryPassword();
      patch.passwordHash = await this.deps.passwords.hash(temporaryPassword);
    }
    const updated = await this.deps.catalog.updateUser(id, patch);
    if (!updated) throw new NotFoundError('no such user');
    return temporaryPassword === undefined ? { user: userView(updated) } : { user: userView(updated), temporaryPassword };
  }

  /** Disables the account and revokes every API token it has. */
  async removeUser(actor: Principal, id: string): Promise<void> {
    await this.updateUser(actor, id, { disabled: true });
    for (const token of await this.deps.catalog.listApiTokens()) {
      if (token.userId === id) await this.deps.catalog.deleteApiToken(token.id);
    }
  }

  /** The caller's own tokens; an admin sees every token, with its owner. */
  async listTokens(actor: Principal): Promise<TokenView[]> {
    const tokens = (await this.deps.catalog.listApiTokens()).filter((t) => actor.role === 'admin' || (actor.userId !== null && t.userId === actor.userId));
    const emails = new Map<string, string>();
    if (actor.role === 'admin') for (const u of await this.deps.catalog.listUsers()) emails.set(u.id, u.email);
    else if (actor.userId) {
      const me = await this.deps.catalog.getUser(actor.userId);
      if (me) emails.set(me.id, me.email);
    }
    return tokens.map((t) => tokenView(t, t.userId ? (emails.get(t.userId) ?? null) : null));
  }

  /**
   * A new API token acting for the caller (an admin token for a caller that is itself an admin
   * token); the secret is returned this once and only its hash is stored.
   */
  async createToken(actor: Principal, name: string): Promise<{ token: TokenView; secret: string }> {
    const secret = newApiTokenSecret();
    const token = await this.deps.catalog.createApiToken({
      id: newId(),
      name: name.trim(),
      tokenHash: hashApiToken(secret),
      userId: actor.userId,
      createdAt: this.deps.clock.now().toISOString(),
      lastUsedAt: null,
    });
    const owner = actor.userId ? await this.deps.catalog.getUser(actor.userId) : null;
    return { token: tokenView(token, owner?.email ?? null), secret };
  }

  /** Revokes a token: the caller's own, or any for an admin. Others' tokens are "not found". */
  async revokeToken(actor: Principal, id: string): Promise<void> {
    const token = (await this.deps.catalog.listApiTokens()).find((t) => t.id === id);
    if (!token || (actor.role !== 'admin' && (actor.userId === null || token.userId !== actor.userId))) throw new NotFoundError('no such API token');
    await this.deps.catalog.deleteApiToken(id);
  }

  private async keepAnAdmin(leaving: string): Promise<void> {
    const others = (await this.deps.catalog.listUsers()).filter((u) => u.role === 'admin' && !u.disabled && u.id !== leaving);
    if (others.length === 0) throw new ConflictError('this is the last enabled admin: make another user admin first');
  }
}

function tokenView(token: ApiToken, ownerEmail: string | null): TokenView {
  return { id: token.id, name: token.name, createdAt: token.createdAt, lastUsedAt: token.lastUsedAt, userId: token.userId, ownerEmail };
}

function newTemporaryPassword(): string {
  return randomBytes(15).toString('base64url');
}

function requireAdmin(actor: Principal): void {
  if (actor.role !== 'admin') throw new ForbiddenError('only admins manage accounts');
}
