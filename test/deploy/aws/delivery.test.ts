import { describe, expect, it } from 'vitest';
import { logicalId, resourcesOf, synthVodkitStack } from './synth-stack.ts';

// CloudFront, its origins and the signing key group, from the synthesized template.
const { stack, json } = synthVodkitStack();
const distributionId = logicalId(stack, stack.delivery.distribution);
const config = json.Resources[distributionId].Properties!.DistributionConfig;
const bucket = logicalId(stack, stack.storage.bucket);

/** Managed policy ids (CloudFront's, fixed in every account). */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

const originById = (id: string) => (config.Origins as Array<Record<string, any>>).find((o) => o.Id === id)!;

describe('the default behaviour', () => {
  const behaviour = config.DefaultCacheBehavior;
  const origin = originById(behaviour.TargetOriginId);

  it('goes to the HTTP API over HTTPS', () => {
    expect(origin.DomainName).toEqual({
      'Fn::Join': ['', [{ Ref: logicalId(stack, stack.httpApi.api) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]],
    });
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only' });
  });

  it('caches nothing, forwards every viewer header but Host, allows every method, redirects HTTP to HTTPS', () => {
    expect(behaviour).toMatchObject({
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      ViewerProtocolPolicy: 'redirect-to-https',
      ResponseHeadersPolicyId: { Ref: logicalId(stack, stack.delivery.distribution.node.scope!.node.findChild('SecurityHeaders')) },
    });
    expect(behaviour.TrustedKeyGroups).toBeUndefined();
  });
});

describe('the /media/* behaviour', () => {
  const behaviours = config.CacheBehaviors as Array<Record<string, any>>;
  const media = behaviours.find((b) => b.PathPattern === '/media/*')!;
  const origin = originById(media.TargetOriginId);

  it('comes after the playlists’ behaviours (the first matching pattern wins), HTTPS only, read-only', () => {
    expect(behaviours.map((b) => b.PathPattern)).toEqual(['/media/*.m3u8', '/media/*.mpd', '/media/*']);
    expect(media).toMatchObject({ ViewerProtocolPolicy: 'https-only', AllowedMethods: ['GET', 'HEAD', 'OPTIONS'] });
  });

  it('keeps segments, images and downloads long (a day by default)', () => {
    const config = json.Resources[media.CachePolicyId.Ref].Properties!.CachePolicyConfig;
    expect(config).toMatchObject({ DefaultTTL: 86400, MinTTL: 0, MaxTTL: 31536000 });
  });

  it('reads the bucket through Origin Access Control', () => {
    expect(origin.DomainName).toEqual({
      'Fn::Join': ['', ['vodkit-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }, '.s3.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]],
    });
    const [oacId] = Object.keys(resourcesOf(json, 'AWS::CloudFront::OriginAccessControl'));
    expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oacId, 'Id'] });
    expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(resourcesOf(json, 'AWS::CloudFront::OriginAccessControl')[oacId].OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
  });

  it('names the bucket the stack creates (same name, no reference cycle)', () => {
    expect(json.Resources[bucket].Properties!.BucketName).toEqual({
      'Fn::Join': ['', ['vodkit-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }]],
    });
  });

  it('serves only what a key of the stack’s key group signed', () => {
    expect(media.TrustedKeyGroups).toEqual([{ Ref: logicalId(stack, stack.secrets.keyGroup) }]);
    const group = json.Resources[logicalId(stack, stack.secrets.keyGroup)].Properties!.KeyGroupConfig;
    expect(group.Items).toEqual([{ Ref: logicalId(stack, stack.secrets.publicKey) }]);
  });

  it('keeps signatures (query strings, cookies) and headers out of the cache key', () => {
    const policy = json.Resources[media.CachePolicyId.Ref].Properties!.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin;
    expect(policy).toMatchObject({
      QueryStringsConfig: { QueryStringBehavior: 'none' },
      CookiesConfig: { CookieBehavior: 'none' },
      HeadersConfig: { HeaderBehavior: 'none' },
    });
  });

  it('lets CloudFront, for this distribution only, read media/ and nothing else of the bucket', () => {
    const policies = Object.values(resourcesOf(json, 'AWS::S3::BucketPolicy')).filter((p) => p.Bucket.Ref === bucket);
    const statements = policies.flatMap((p) => p.PolicyDocument.Statement as Array<Record<string, any>>);
    const cloudFront = statements.filter((s) => s.Principal?.Service === 'cloudfront.amazonaws.com');
    expect(cloudFront).toEqual([
      {
        Sid: 'CloudFrontReadsMedia',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/media/*']] },
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', { Ref: distributionId }]],
            },
          },
        },
      },
    ]);
  });
});

describe('the playlist behaviours (/media/*.m3u8, /media/*.mpd)', () => {
  const behaviours = config.CacheBehaviors as Array<Record<string, any>>;
  const media = behaviours.find((b) => b.PathPattern === '/media/*')!;
  const playlists = behaviours.filter((b) => b.PathPattern === '/media/*.m3u8' || b.PathPattern === '/media/*.mpd');

  it('serve the bucket like /media/*: same origin, signed requests only, HTTPS only, read-only', () => {
    expect(playlists).toHaveLength(2);
    for (const behaviour of playlists) {
      expect(behaviour).toMatchObject({
        TargetOriginId: media.TargetOriginId,
        TrustedKeyGroups: [{ Ref: logicalId(stack, stack.secrets.keyGroup) }],
        ViewerProtocolPolicy: 'https-only',
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
        ResponseHeadersPolicyId: media.ResponseHeadersPolicyId,
      });
    }
  });

  it('keep a playlist seconds only (MediaConvert sets no Cache-Control; a master is rewritten in place), signatures out of the key', () => {
    const [m3u8, mpd] = playlists;
    expect(mpd.CachePolicyId).toEqual(m3u8.CachePolicyId);
    expect(m3u8.CachePolicyId).not.toEqual(media.CachePolicyId);
    const policy = json.Resources[m3u8.CachePolicyId.Ref].Properties!.CachePolicyConfig;
    expect(policy).toMatchObject({ DefaultTTL: 2, MinTTL: 0, MaxTTL: 10 });
    expect(policy.ParametersInCacheKeyAndForwardedToOrigin).toMatchObject({
      QueryStringsConfig: { QueryStringBehavior: 'none' },
      CookiesConfig: { CookieBehavior: 'none' },
      HeadersConfig: { HeaderBehavior: 'none' },
    });
  });
});

/** Resources each resource refers to (Ref, Fn::GetAtt, DependsOn). */
function dependencies(): Map<string, Set<string>> {
  const ids = new Set(Object.keys(json.Resources));
  const walk = (value: unknown, found: Set<string>): void => {
    if (Array.isArray(value)) value.forEach((v) => walk(v, found));
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key === 'Ref' && typeof v === 'string' && ids.has(v)) found.add(v);
        else if (key === 'Fn::GetAtt' && Array.isArray(v) && ids.has(v[0])) found.add(v[0]);
        else walk(v, found);
      }
    }
  };
  const graph = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(json.Resources)) {
    const found = new Set<string>([(resource as { DependsOn?: string | string[] }).DependsOn ?? []].flat());
    walk(resource.Properties, found);
    graph.set(id, found);
  }
  return graph;
}

describe('the template', () => {
  it('has no dependency cycle (CloudFormation refuses one; the bucket’s CORS names the distribution)', () => {
    const graph = dependencies();
    const done = new Set<string>();
    const visiting: string[] = [];
    const visit = (id: string): void => {
      if (done.has(id)) return;
      expect(visiting, `cycle through ${id}`).not.toContain(id);
      visiting.push(id);
      for (const dep of graph.get(id) ?? []) visit(dep);
      visiting.pop();
      done.add(id);
    };
    for (const id of graph.keys()) visit(id);
    expect(graph.get(bucket)).toContain(distributionId);
  });
});

describe('the distribution', () => {
  it('logs to the log bucket and answers over HTTP/2 and HTTP/3', () => {
    expect(config.Logging).toEqual({
      Bucket: { 'Fn::GetAtt': [logicalId(stack, stack.storage.logBucket), 'RegionalDomainName'] },
      Prefix: 'cloudfront/',
    });
    expect(config.HttpVersion).toBe('http2and3');
    expect(config.Enabled).toBe(true);
  });

  it('sends HSTS and nosniff with every answer', () => {
    const [headers] = Object.values(resourcesOf(json, 'AWS::CloudFront::ResponseHeadersPolicy'));
    expect(headers.ResponseHeadersPolicyConfig.SecurityHeadersConfig).toMatchObject({
      StrictTransportSecurity: { Override: true, IncludeSubdomains: true, AccessControlMaxAgeSec: 31536000 },
      ContentTypeOptions: { Override: true },
    });
  });
});

describe('the signing key', () => {
  it('is generated at deploy time into its secret; the template holds only the public key’s attribute', () => {
    const [keyPairId] = Object.keys(resourcesOf(json, 'Custom::VodkitSigningKeyPair'));
    const keyPair = json.Resources[keyPairId].Properties!;
    expect(keyPair).toEqual({
      ServiceToken: { 'Fn::GetAtt': [logicalId(stack, stack.secrets.signingKeyFunction.function), 'Arn'] },
      SecretArn: { Ref: logicalId(stack, stack.secrets.signingKeySecret) },
      KeyVersion: '1',
    });
    const publicKey = json.Resources[logicalId(stack, stack.secrets.publicKey)].Properties!.PublicKeyConfig;
    expect(publicKey.EncodedKey).toEqual({ 'Fn::GetAtt': [keyPairId, 'PublicKeyPem'] });
  });

  it('is replaced by raising signingKeyVersion: a new key version, a new public key in the key group', () => {
    const renewed = synthVodkitStack({ signingKeyVersion: 2 });
    const [keyPair] = Object.values(resourcesOf(renewed.json, 'Custom::VodkitSigningKeyPair'));
    expect(keyPair.KeyVersion).toBe('2');
    const newKeyId = logicalId(renewed.stack, renewed.stack.secrets.publicKey);
    expect(newKeyId).not.toBe(logicalId(stack, stack.secrets.publicKey));
    expect(Object.keys(resourcesOf(renewed.json, 'AWS::CloudFront::PublicKey'))).toEqual([newKeyId]);
    expect(renewed.json.Resources[logicalId(renewed.stack, renewed.stack.secrets.keyGroup)].Properties!.KeyGroupConfig.Items).toEqual([{ Ref: newKeyId }]);
  });

  it('never appears as private key material in the template', () => {
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/PRIVATE KEY/);
    expect(text).not.toMatch(/-----BEGIN/);
  });
});
