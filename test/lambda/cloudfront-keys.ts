import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';

/** An RSA key pair as CloudFront's trusted key groups take them (2048 bits, PEM). */
export function cloudFrontKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** CloudFront's URL-safe base64 ('+' → '-', '=' → '_', '/' → '~') back to bytes. */
export function fromCloudFrontBase64(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
}

/**
 * Checks a CloudFront custom-policy grant as CloudFront does: the signature is RSA-SHA1 over the
 * policy's JSON, made with the key pair's private key; returns the policy when it verifies with
 * `publicKey`, else null.
 */
export function verifyCloudFrontGrant(policyB64: string, signatureB64: string, publicKey: string): CloudFrontPolicy | null {
  const policy = fromCloudFrontBase64(policyB64);
  const ok = createVerify('RSA-SHA1').update(policy).verify(createPublicKey(publicKey), fromCloudFrontBase64(signatureB64));
  return ok ? (JSON.parse(policy.toString('utf8')) as CloudFrontPolicy) : null;
}

export interface CloudFrontPolicy {
  Statement: Array<{ Resource: string; Condition: { DateLessThan: { 'AWS:EpochTime': number }; DateGreaterThan?: unknown; IpAddress?: unknown } }>;
}

/** The grant of a signed URL: its policy checked with `publicKey`, and the URL without the grant. */
export function verifySignedUrl(url: string, publicKey: string, keyPairId: string): { policy: CloudFrontPolicy; resource: string } | null {
  const u = new URL(url);
  const policy = u.searchParams.get('Policy');
  const signature = u.searchParams.get('Signature');
  if (!policy || !signature || u.searchParams.get('Key-Pair-Id') !== keyPairId) return null;
  const checked = verifyCloudFrontGrant(policy, signature, publicKey);
  if (!checked) return null;
  return { policy: checked, resource: `${u.origin}${u.pathname}` };
}

/** Whether `resource` (a URL without query) falls under a policy Resource with '*' wildcards. */
export function resourceMatches(pattern: string, resource: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(resource);
}
