import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from 'jose';

export interface IssuerKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * A stand-in OpenID Connect provider on 127.0.0.1: serves the discovery document and a JWKS with
 * keys made here, and signs tokens with them. Counts JWKS fetches.
 */
export class LocalIssuer {
  jwksHits = 0;
  private published: IssuerKey[] = [];

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
    readonly keys: { rsa: IssuerKey; ec: IssuerKey },
  ) {}

  static async start(): Promise<LocalIssuer> {
    const rsa = await makeKey('rsa-1', 'RS256');
    const ec = await makeKey('ec-1', 'ES256');
    let self: LocalIssuer | null = null;
    const server = createServer((req, res) => {
      if (!self) return res.writeHead(503).end();
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ issuer: self.issuer, jwks_uri: `${self.issuer}/jwks.json` }));
      }
      if (req.url === '/jwks.json') {
        self.jwksHits++;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ keys: self.published.map((k) => k.publicJwk) }));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new LocalIssuer(server, `http://127.0.0.1:${port}`, { rsa, ec });
    self.published = [rsa, ec];
    return self;
  }

  /** A token signed with `key` (default RSA), with sensible valid claims that `claims` overrides. */
  async token(claims: JWTPayload & Record<string, unknown>, options: { key?: IssuerKey; audience: string; kid?: string; expiresIn?: number }): Promise<string> {
    const key = options.key ?? this.keys.rsa;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: 'JWT' })
      .setIssuer((claims.iss as string | undefined) ?? this.issuer)
      .setAudience((claims.aud as string | undefined) ?? options.audience)
      .setSubject((claims.sub as string | undefined) ?? 'user-1')
      .setIssuedAt(now - 10)
      .setExpirationTime((claims.exp as number | undefined) ?? now + (options.expiresIn ?? 300))
      .sign(key.privateKey);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function makeKey(kid: string, alg: 'RS256' | 'ES256'): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, publicJwk };
}

/** base64url of a JSON object or string. */
export function b64(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}
