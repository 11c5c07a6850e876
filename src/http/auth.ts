import type { FastifyRequest } from 'fastify';
import type { Catalog } from '../core/ports/catalog.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { Principal } from '../core/access/principal.ts';
import { ADMIN_TOKEN_PRINCIPAL } from '../core/access/principal.ts';
import { hashApiToken } from '../core/auth/api-tokens.ts';
import { deriveKey, signToken, verifyToken } from '../core/auth/signed-tokens.ts';
import { ForbiddenError, UnauthorizedError } from '../core/errors.ts';
import { OidcVerifier } from './oidc.ts';

export const SESSION_COOKIE = 'vodkit_session';
const SESSION_TTL_SEC = 7 * 24 * 3600;

interface SessionClaims {
  uid: string;
  exp: number;
}

export interface AuthenticatorOptions {
  /** Accept bearer JWTs from this external identity provider (VODKIT_OIDC_ISSUER). */
  oidc?: OidcVerifier | null;
}

/** Every API token vodkit makes starts with this; other bearer values are tried as OIDC JWTs. */
const API_TOKEN_PREFIX = 'vk_';

/**
 * Resolves who a request comes from: `Authorization: Bearer <API token>` for scripts (or, when an
 * identity provider is configured, `Bearer <JWT>` from it), or the httpOnly SameSite session cookie
 * for the web app. Users are looked up on every request, so a disabled user is refused at once.
 */
export class Authenticator {
  private readonly sessionKey: Buffer;
  private readonly oidc: OidcVerifier | null;

  constructor(
    private readonly catalog: Catalog,
    private readonly clock: Clock,
    secret: string,
    options: AuthenticatorOptions = {},
  ) {
    this.sessionKey = deriveKey(secret, 'session', 'k1');
    this.oidc = options.oidc ?? null;
  }

  async principal(request: FastifyRequest): Promise<Principal | null> {
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new UnauthorizedError('the Authorization header must be "Bearer <token>"');
      const bearer = match[1];
      if (!bearer.startsWith(API_TOKEN_PREFIX)) {
        if (this.oidc && OidcVerifier.looksLikeJwt(bearer)) return this.oidc.principal(bearer);
        throw new UnauthorizedError('unknown or revoked API token');
      }
      const token = await this.catalog.findApiTokenByHash(hashApiToken(bearer));
      if (!token) throw new UnauthorizedError('unknown or revoked API token');
      void this.catalog.touchApiToken(token.id, this.clock.now().toISOString()).catch(() => {});
      if (!token.userId) return ADMIN_TOKEN_PRINCIPAL;
      return this.userPrincipal(token.userId, 'token');
    }
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (cookie) {
      const claims = verifyToken<SessionClaims>(this.sessionKey, cookie);
      if (!claims || claims.exp * 1000 < this.clock.now().getTime()) return null;
      return this.userPrincipal(claims.uid, 'session');
    }
    return null;
  }

  async require(request: FastifyRequest): Promise<Principal> {
    const p = await this.principal(request);
    if (!p) throw new UnauthorizedError('sign in or send "Authorization: Bearer <API token>"');
    return p;
  }

  sessionCookie(userId: string, secure: boolean): string {
    const exp = Math.floor(this.clock.now().getTime() / 1000) + SESSION_TTL_SEC;
    const value = signToken(this.sessionKey, { uid: userId, exp } satisfies SessionClaims);
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_SEC}${secure ? '; Secure' : ''}`;
  }

  static clearCookie(): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  private async userPrincipal(userId: string, via: Principal['via']): Promise<Principal> {
    const user = await this.catalog.getUser(userId);
    if (!user || user.disabled) throw new UnauthorizedError('this account no longer has access');
    return { userId: user.id, role: user.role, via };
  }
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * CSRF defence for cookie-authenticated writes: SameSite=Strict cookies, plus state-changing
 * requests must come from our own origin when the browser says where they come from (Origin, or
 * Sec-Fetch-Site when a browser sends no Origin). "Origin: null" (sandboxed frames, some
 * redirects) is foreign.
 */
export function checkSameOrigin(request: FastifyRequest, principal: Principal): void {
  if (principal.via !== 'session' || request.method === 'GET' || request.method === 'HEAD') return;
  const origin = request.headers.origin;
  if (origin !== undefined && originHost(origin) !== request.headers.host) {
    throw new ForbiddenError('cross-site request refused');
  }
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new ForbiddenError('cross-site request refused');
  }
}

function originHost(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : null;
  } catch {
    return null;
  }
}
