import { createPublicKey, generateKeyPairSync } from 'node:crypto';

/** An RSA key pair in PEM: what CloudFront signed URLs and cookies are signed and verified with. */
export interface SigningKeyPair {
  /** PKCS#8 private key PEM (kept in Secrets Manager, read by the HTTP function to sign). */
  readonly privateKeyPem: string;
  /** SubjectPublicKeyInfo public key PEM (registered as a CloudFront public key). */
  readonly publicKeyPem: string;
}

/** A new RSA 2048 key pair, the size CloudFront accepts for trusted key groups. */
export function newSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** The public key PEM of a private key PEM (to answer an update without generating a new pair). */
export function publicKeyOf(privateKeyPem: string): string {
  return createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
}
