import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { newSigningKeyPair, publicKeyOf } from './key-pair.ts';

/**
 * The CloudFront signing key's custom resource: a Lambda function CloudFormation invokes directly
 * (no provider framework). On create and update it makes sure the secret named by the `SecretArn`
 * property holds an RSA private key PEM, generating one when it holds anything else (at creation
 * it holds the random value Secrets Manager generated) or when the `KeyVersion` property changed,
 * and answers the public key PEM as the `PublicKeyPem` attribute. The private key goes only to the secret, never into a response, a log
 * or the template. Delete does nothing: the secret resource owns the key.
 */

/** The part of a CloudFormation custom resource request this handler reads. */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: SigningKeyProperties;
  readonly OldResourceProperties?: SigningKeyProperties;
}

/** The custom resource's properties (CloudFormation passes them as strings). */
export interface SigningKeyProperties {
  readonly SecretArn?: string;
  readonly KeyVersion?: string;
}

/** The answer CloudFormation expects at the request's ResponseURL. */
export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Record<string, string>;
}

const secrets = new SecretsManagerClient({});

export async function handler(event: CustomResourceEvent): Promise<void> {
  const physicalId = event.PhysicalResourceId ?? `${event.LogicalResourceId}-${event.RequestId}`;
  let response: CustomResourceResponse;
  try {
    const data =
      event.RequestType === 'Delete' ? undefined : { PublicKeyPem: await ensureKeyPair(requiredSecretArn(event), wantsNewPair(event)) };
    response = answer(event, physicalId, 'SUCCESS', { data });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    console.error(`Signing key ${event.RequestType} failed: ${reason}`);
    response = answer(event, physicalId, 'FAILED', { reason });
  }
  await sendResponse(event.ResponseURL, response);
}

function requiredSecretArn(event: CustomResourceEvent): string {
  const arn = event.ResourceProperties.SecretArn;
  if (!arn) throw new Error('The SecretArn property is missing');
  return arn;
}

/** Whether an update asks for a new pair: the key version changed. */
export function wantsNewPair(event: CustomResourceEvent): boolean {
  return event.RequestType === 'Update' && event.OldResourceProperties?.KeyVersion !== event.ResourceProperties.KeyVersion;
}

/** The public key PEM of the key pair in the secret, after putting a new pair there if needed. */
async function ensureKeyPair(secretArn: string, renew: boolean): Promise<string> {
  if (!renew) {
    const current = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    const existing = publicKeyIfPrivateKey(current.SecretString);
    if (existing) return existing;
  }
  const pair = newSigningKeyPair();
  await secrets.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: pair.privateKeyPem }));
  return pair.publicKeyPem;
}

/** The public key of a secret value that is a private key PEM; undefined for anything else. */
export function publicKeyIfPrivateKey(secretValue: string | undefined): string | undefined {
  if (!secretValue?.includes('PRIVATE KEY')) return undefined;
  try {
    return publicKeyOf(secretValue);
  } catch {
    return undefined;
  }
}

/** The response for a request, with the data or the failure's reason. */
export function answer(
  event: CustomResourceEvent,
  physicalId: string,
  status: 'SUCCESS' | 'FAILED',
  detail: { data?: Record<string, string>; reason?: string },
): CustomResourceResponse {
  return {
    Status: status,
    Reason: detail.reason ?? (status === 'SUCCESS' ? 'OK' : 'Failed'),
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    ...(detail.data ? { Data: detail.data } : {}),
  };
}

/**
 * PUTs the response to CloudFormation's presigned URL. The body is sent as bytes so no
 * Content-Type is added: the URL's signature may cover an empty Content-Type.
 */
export async function sendResponse(responseUrl: string, response: CustomResourceResponse): Promise<void> {
  const body = new TextEncoder().encode(JSON.stringify(response));
  const res = await fetch(responseUrl, { method: 'PUT', body });
  if (!res.ok) throw new Error(`CloudFormation refused the custom resource response: HTTP ${res.status}`);
}
