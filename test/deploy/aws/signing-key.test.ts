import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, publicKeyIfPrivateKey, sendResponse, wantsNewPair, type CustomResourceEvent } from '../../../deploy/aws/lib/signing-key/handler.ts';
import { newSigningKeyPair, publicKeyOf } from '../../../deploy/aws/lib/signing-key/key-pair.ts';

// The signing key custom resource's own code: the key pair it makes, how it recognises a key
// already in the secret, and its answer to CloudFormation (PUT to a real local HTTP server).

describe('the signing key pair', () => {
  const pair = newSigningKeyPair();

  it('is RSA 2048 in PEM, the private key PKCS#8 and the public key SubjectPublicKeyInfo', () => {
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    expect(pair.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    // 2048-bit RSA SubjectPublicKeyInfo: 294 bytes of DER.
    const der = Buffer.from(pair.publicKeyPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    expect(der.length).toBe(294);
    expect(newSigningKeyPair().privateKeyPem).not.toBe(pair.privateKeyPem);
  });

  it('signs CloudFront URLs whose signature the public key verifies', () => {
    const url = 'https://d111111abcdef8.cloudfront.net/media/v1/master.m3u8';
    const signed = new URL(
      getSignedUrl({ url, keyPairId: 'K2JCJMDEHXQW5F', privateKey: pair.privateKeyPem, dateLessThan: '2030-01-01T00:00:00Z' }),
    );
    const expires = signed.searchParams.get('Expires')!;
    const policy = JSON.stringify({ Statement: [{ Resource: url, Condition: { DateLessThan: { 'AWS:EpochTime': Number(expires) } } }] });
    // CloudFront's URL-safe base64: '+' → '-', '=' → '_', '/' → '~'.
    const signature = Buffer.from(signed.searchParams.get('Signature')!.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
    expect(createVerify('RSA-SHA1').update(policy).verify(pair.publicKeyPem, signature)).toBe(true);
    expect(createVerify('RSA-SHA1').update(policy).verify(newSigningKeyPair().publicKeyPem, signature)).toBe(false);
  });

  it('gives back its public key from the private key alone (an update keeps the pair)', () => {
    expect(publicKeyOf(pair.privateKeyPem)).toBe(pair.publicKeyPem);
    expect(publicKeyIfPrivateKey(pair.privateKeyPem)).toBe(pair.publicKeyPem);
  });

  it('is made anew when the secret holds anything but a private key (the random value it is created with)', () => {
    expect(publicKeyIfPrivateKey(undefined)).toBeUndefined();
    expect(publicKeyIfPrivateKey('q3V9kM2xLr8TzW1pN6yB4cH7jF0sD5gA')).toBeUndefined();
    expect(publicKeyIfPrivateKey('-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n')).toBeUndefined();
  });
});

describe('the answer to CloudFormation', () => {
  let server: Server;
  let url: string;
  const received: Array<{ method?: string; contentType?: string; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = req.url?.includes('refuse') ? 403 : 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const event = (type: CustomResourceEvent['RequestType']): CustomResourceEvent => ({
    RequestType: type,
    ResponseURL: url,
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Vodkit/1c2fa620-982a-11e3-aff7-50e2416294e0',
    RequestId: 'req-1',
    LogicalResourceId: 'SecretsSigningKeyPair',
    PhysicalResourceId: 'SecretsSigningKeyPair-req-0',
    ResourceProperties: { SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:SigningKey-AbCdEf', KeyVersion: '1' },
  });

  it('is PUT as JSON without a Content-Type, with the public key as data and nothing private', async () => {
    const { publicKeyPem } = newSigningKeyPair();
    received.length = 0;
    await sendResponse(url, answer(event('Create'), 'SecretsSigningKeyPair-req-0', 'SUCCESS', { data: { PublicKeyPem: publicKeyPem } }));
    expect(received).toHaveLength(1);
    expect(received[0].method).toBe('PUT');
    expect(received[0].contentType).toBeUndefined();
    expect(JSON.parse(received[0].body)).toEqual({
      Status: 'SUCCESS',
      Reason: 'OK',
      PhysicalResourceId: 'SecretsSigningKeyPair-req-0',
      StackId: event('Create').StackId,
      RequestId: 'req-1',
      LogicalResourceId: 'SecretsSigningKeyPair',
      Data: { PublicKeyPem: publicKeyPem },
    });
    expect(received[0].body).not.toMatch(/PRIVATE KEY/);
  });

  it('reports a failure with its reason', async () => {
    received.length = 0;
    await sendResponse(url, answer(event('Update'), 'SecretsSigningKeyPair-req-0', 'FAILED', { reason: 'The SecretArn property is missing' }));
    expect(JSON.parse(received[0].body)).toMatchObject({ Status: 'FAILED', Reason: 'The SecretArn property is missing' });
    expect(JSON.parse(received[0].body).Data).toBeUndefined();
  });

  it('asks for a new pair on an update that changes the key version, and only then', () => {
    const update = (from: string, to: string): CustomResourceEvent => ({
      ...event('Update'),
      OldResourceProperties: { ...event('Update').ResourceProperties, KeyVersion: from },
      ResourceProperties: { ...event('Update').ResourceProperties, KeyVersion: to },
    });
    expect(wantsNewPair(update('1', '2'))).toBe(true);
    expect(wantsNewPair(update('2', '2'))).toBe(false);
    expect(wantsNewPair(event('Create'))).toBe(false);
    expect(wantsNewPair(event('Delete'))).toBe(false);
  });

  it('fails when CloudFormation refuses it', async () => {
    await expect(sendResponse(`${url}?refuse`, answer(event('Delete'), 'x', 'SUCCESS', {}))).rejects.toThrow(/HTTP 403/);
  });
});
