import { Annotations, Aws, Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { MEDIA_PREFIX, type Storage } from './storage.ts';

export interface DeliveryProps {
  readonly storage: Storage;
  /** Host of the HTTP API's endpoint (the default origin). */
  readonly apiHost: string;
  /** The key group whose keys sign the URLs and cookies of `/media/*`. */
  readonly keyGroup: cloudfront.IKeyGroup;
}

/**
 * The CloudFront distribution, the deployment's one public address (HTTPS only):
 * - default behaviour: the HTTP API (web app and `/api/*`); nothing cached, every viewer header
 *   but Host forwarded (API Gateway routes on its own Host), all methods;
 * - `/media/*`: the bucket's outputs through Origin Access Control, readable only with a URL or
 *   cookies signed by a key of the key group; the cache key ignores query strings, cookies and
 *   headers, so every viewer's signed request for a segment hits the same cached copy.
 * - `/media/*.m3u8` and `/media/*.mpd` (before `/media/*`): the same, but playlists and manifests
 *   are kept seconds only: MediaConvert writes them without Cache-Control, and a master is rewritten
 *   in place (a caption track added, the ladder's master replacing the first output's).
 * CloudFront may read only `media/*` of the bucket (the bucket policy says so, for this
 * distribution only). Standard logs go to the log bucket under `cloudfront/`.
 */
export class Delivery extends Construct {
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: DeliveryProps) {
    super(scope, id);
    const { storage } = props;

    // The bucket seen through its name only (see Storage): no reference to the bucket resource.
    const mediaBucket = s3.Bucket.fromBucketAttributes(this, 'MediaBucket', {
      bucketName: storage.bucketName,
      bucketRegionalDomainName: `${storage.bucketName}.s3.${Aws.REGION}.${Aws.URL_SUFFIX}`,
    });
    const mediaOrigin = origins.S3BucketOrigin.withOriginAccessControl(mediaBucket, {
      originAccessControl: new cloudfront.S3OriginAccessControl(this, 'MediaAccessControl', {
        description: 'vodkit: CloudFront reads media/ of the bucket',
      }),
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'vodkit: HSTS and the usual security headers (the app may set its own)',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: false },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.SAMEORIGIN, override: false },
      },
    });

    const mediaCache = new cloudfront.CachePolicy(this, 'MediaCache', {
      comment: 'vodkit media: the signature is checked, never part of the cache key',
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      defaultTtl: Duration.days(1),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    // Playlists and manifests change in place: players see a new one within seconds.
    const playlistCache = new cloudfront.CachePolicy(this, 'PlaylistCache', {
      comment: 'vodkit playlists: kept seconds only, the signature never part of the cache key',
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      defaultTtl: Duration.seconds(2),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(10),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const mediaBehaviour = (cachePolicy: cloudfront.ICachePolicy): cloudfront.BehaviorOptions => ({
      origin: mediaOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
      cachePolicy,
      responseHeadersPolicy: headers,
      trustedKeyGroups: [props.keyGroup],
      compress: true,
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'vodkit',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: storage.logBucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: new origins.HttpOrigin(props.apiHost, { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: headers,
        compress: true,
      },
      // In this order: CloudFront takes the first pattern that matches.
      additionalBehaviors: {
        [`/${MEDIA_PREFIX}*.m3u8`]: mediaBehaviour(playlistCache),
        [`/${MEDIA_PREFIX}*.mpd`]: mediaBehaviour(playlistCache),
        [`/${MEDIA_PREFIX}*`]: mediaBehaviour(mediaCache),
      },
    });

    // The origin cannot add this statement to a bucket it knows by name only: add it here,
    // narrowed to the outputs.
    storage.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudFrontReadsMedia',
        principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [storage.objectsUnder(MEDIA_PREFIX)],
        conditions: { StringEquals: { 'AWS:SourceArn': this.distribution.distributionArn } },
      }),
    );
    Annotations.of(this).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
      'The bucket policy statement for the distribution is added on the bucket itself (CloudFrontReadsMedia).',
    );
  }

  /** The distribution's address, e.g. `https://d111111abcdef8.cloudfront.net`. */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}
