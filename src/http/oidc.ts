import { createHash } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Catalog } from '../core/ports/catalog.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Principal } from '../core/access/principal.ts';
import type { Role, User } from '../core/model/user.ts';
import { ConflictError, TransientError, UnauthorizedError, ValidationError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';

/** Signature algorithms accepted from an identity provider: asymmetric only (never HS*, never none). */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

const ROLE_RANK: Record<Role, number> = { viewer: 1, uploader: 2, admin: 3 };
const MAX_TOKEN_LENGTH = 16 * 1024;

export interface OidcOptions {
  /** The issuer URL exactly as the provider writes it in `iss` (VODKIT_OIDC_ISSUER). */
  issuer: string;
  /** The audience tokens must be issued for (VODKIT_OIDC_AUDIENCE). */
  audience: string;
  /** Claim holding the role (a string or an array of strings); a dotted path reaches nested claims. */
  roleClaim?: string;
  /** Role of users whose token names no known role. Default viewer. */
  defaultRole?: Role;
  /** The key set URL; default: `jwks_uri` from the issuer's /.well-known/openid-configuration. */
  jwksUri?: string;
  /** Leeway for exp/nbf/iat, in seconds. Default 30. */
  clockToleranceSec?: number;
}

export interface OidcDeps {
  catalog: Catalog;
  clock: Clock;
  logger?: Logger;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * Verifies bearer JWTs from an external OpenID Connect provider against its published key set
 * (JWKS) and maps them to vodkit users, created on first sight. The issuer's discovery document
 * is fetched on first use, not at construction. Issuer and key set must be https, except on loopback.
 *
 * Users are matched by e-mail only when the provider says it is verified (`email_verified: true`);
 * otherwise by an identity made from the issuer and `sub`, so an unverified address can never take
 * over an existing account. When the role claim is present it is authoritative and the stored role
 * follows it; when absent, the stored role stays (new users get the default role).
 */
export class OidcVerifier {
  private readonly issuer: string;
  private keySet: Promise<KeySet> | null = null;

  constructor(
    private readonly options: OidcOptions,
    private readonly deps: OidcDeps,
  ) {
    this.issuer = options.issuer;
    checkSecureUrl(options.issuer, 'VODKIT_OIDC_ISSUER');
    if (options.jwksUri) checkSecureUrl(options.jwksUri, 'the JWKS URL');
    if (!options.audience) throw new ValidationError('VODKIT_OIDC_AUDIENCE is required with VODKIT_OIDC_ISSUER');
  }

  /** A cheap shape check: three base64url parts, the first a JSON header. */
  static looksLikeJwt(token: string): boolean {
    return token.length <= MAX_TOKEN_LENGTH && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(token);
  }

  /** The principal for a bearer JWT; UnauthorizedError for any token that is not valid. */
  async principal(token: string): Promise<Principal> {
    const payload = await this.verify(token);
    const user = await this.userFor(payload);
    if (user.disabled) throw new UnauthorizedError('this account no longer has access');
    return { userId: user.id, role: user.role, via: 'oidc' };
  }

  async verify(token: string): Promise<JWTPayload> {
    if (!OidcVerifier.looksLikeJwt(token)) throw new UnauthorizedError('the bearer token is not a JWT');
    const keys = await this.keys();
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: this.issuer,
        audience: this.options.audience,
        algorithms: OIDC_ALGORITHMS,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.options.clockToleranceSec ?? 30,
        currentDate: this.deps.clock.now(),
      });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) {
        throw new UnauthorizedError('the token has no usable subject');
      }
      return payload;
    } catch (err) {
      if (err instanceof UnauthorizedError) throw err;
      if (err instanceof joseErrors.JWKSTimeout) throw new TransientError('the identity provider did not answer in time');
      if (err instanceof joseErrors.JOSEError) throw new UnauthorizedError(tokenProblem(err));
      this.deps.logger?.warn({ err: String(err) }, 'OIDC key set could not be fetched');
      throw new TransientError('the identity provider cannot be reached');
    }
  }

  private keys(): Promise<KeySet> {
    if (!this.keySet) {
      this.keySet = this.discover().catch((err: unknown) => {
        this.keySet = null; // try again on the next request
        throw err;
      });
    }
    return this.keySet;
  }

  private async discover(): Promise<KeySet> {
    let jwksUri = this.options.jwksUri;
    if (!jwksUri) {
      const url = `${this.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      let doc: { issuer?: unknown; jwks_uri?: unknown };
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        doc = (await res.json()) as typeof doc;
      } catch (err) {
        this.deps.logger?.warn({ err: String(err), url }, 'OIDC discovery failed');
        throw new TransientError('the identity provider cannot be reached');
      }
      if (doc.issuer !== this.issuer) {
        this.deps.logger?.error({ expected: this.issuer, got: doc.issuer }, 'OIDC discovery names another issuer');
        throw new TransientError('the identity provider is misconfigured (issuer mismatch)');
      }
      if (typeof doc.jwks_uri !== 'string') throw new TransientError('the identity provider publishes no jwks_uri');
      jwksUri = doc.jwks_uri;
      checkSecureUrl(jwksUri, 'jwks_uri');
    }
    return createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  }

  private async userFor(payload: JWTPayload): Promise<User> {
    const { catalog, clock } = this.deps;
    const claimedRole = this.roleFrom(payload);
    const email = typeof payload.email === 'string' && payload.email_verified === true ? payload.email.toLowerCase() : null;
    const identity = email ?? externalIdentity(this.issuer, payload.sub!);
    let user = await catalog.getUserByEmail(identity);
    if (!user) {
      try {
        user = await catalog.createUser({
          id: newId(),
          email: identity,
          passwordHash: null,
          role: claimedRole ?? this.options.defaultRole ?? 'viewer',
          disabled: false,
          createdAt: clock.now().toISOString(),
        });
        this.deps.logger?.info({ userId: user.id, role: user.role }, 'user created from the identity provider');
      } catch (err) {
        // Two first requests at once: the other one created it.
        if (!(err instanceof ConflictError)) throw err;
        user = await catalog.getUserByEmail(identity);
        if (!user) throw err;
      }
    } else if (claimedRole && claimedRole !== user.role && !user.disabled) {
      user = (await catalog.updateUser(user.id, { role: claimedRole })) ?? user;
    }
    return user;
  }

  /** The most privileged known role named in the role claim, or null when there is none. */
  private roleFrom(payload: JWTPayload): Role | null {
    if (!this.options.roleClaim) return null;
    let value: unknown = payload;
    for (const part of this.options.roleClaim.split('.')) {
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return null;
      value = (value as Record<string, unknown>)[part];
    }
    const names = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
    let best: Role | null = null;
    for (const name of names) {
      if (typeof name !== 'string' || !Object.hasOwn(ROLE_RANK, name)) continue;
      const role = name as Role;
      if (!best || ROLE_RANK[role] > ROLE_RANK[best]) best = role;
    }
    return best;
  }
}

/** The stored identity of a user known only by issuer and subject. Contains no '@': never an e-mail. */
export function externalIdentity(issuer: string, sub: string): string {
  const host = new URL(issuer).host;
  const safe = /^[A-Za-z0-9._-]{1,64}$/.test(sub) ? sub : `#${createHash('sha256').update(sub).digest('hex').slice(0, 32)}`;
  return `oidc:${host}:${safe}`;
}

function checkSecureUrl(raw: string, what: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError(`${what} is not a URL: ${raw}`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ValidationError(`${what} must be an https URL (http is accepted only on localhost)`);
  }
}

function tokenProblem(err: InstanceType<typeof joseErrors.JOSEError>): string {
  if (err instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `the token is not for this service (${err.claim})`;
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'the token was signed with an unknown key';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'the token uses a signature algorithm that is not accepted';
  return 'the token is not valid';
}
