import { Aws, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Key prefix of the uploaded source files (vodkit's S3 store puts its `sources` store here). */
export const SOURCES_PREFIX = 'sources/';
/** Key prefix of the encoded outputs (vodkit's `media` store: HLS/DASH, posters, thumbnails). */
export const MEDIA_PREFIX = 'media/';
/** Days after its start when the bucket's lifecycle rule aborts a multipart upload still incomplete. */
export const INCOMPLETE_UPLOAD_DAYS = 1;

export interface StorageProps {
  /** Days after which an uploaded source is deleted (see DeploymentSettings.sourceRetentionDays). */
  readonly sourceRetentionDays: number;
}

/**
 * The deployment's object storage: one private bucket holding the sources under `sources/` and
 * the outputs under `media/` (exactly what `VODKIT_STORAGE=s3://<bucket>/` gives vodkit's S3
 * store), and a log bucket receiving the bucket's server access logs and CloudFront's logs.
 *
 * The bucket's name is fixed before the bucket exists (`vodkit-<the stack's unique id>`), so the
 * CloudFront origin can name the bucket without referring to it: the bucket's CORS rule names the
 * distribution's domain, and referring to each other would be a dependency cycle.
 *
 * Versioning is off on purpose: deleting a video must delete its bytes (a versioned bucket would
 * keep them as noncurrent versions), outputs are rewritten only by a new encoding, and sources
 * are transient (they expire).
 */
export class Storage extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  /** The bucket's name as a deploy-time value that does not refer to the bucket resource. */
  readonly bucketName: string;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);

    this.logBucket = new s3.Bucket(this, 'LogBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // CloudFront's standard logs are delivered with an ACL: the log bucket must accept ACLs.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The stack id's last part is a UUID: lower-case, unique per stack, known before any resource.
    this.bucketName = Fn.join('', ['vodkit-', Fn.select(2, Fn.split('/', Aws.STACK_ID))]);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: this.bucketName,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 's3-access/',
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(INCOMPLETE_UPLOAD_DAYS) },
        { id: 'expire-sources', prefix: SOURCES_PREFIX, expiration: Duration.days(props.sourceRetentionDays) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Lets browsers on `origin` PUT uploads (single and multipart parts) and read the ETag. */
  allowBrowserUploadsFrom(origin: string): void {
    this.bucket.addCorsRule({
      allowedMethods: [s3.HttpMethods.PUT],
      allowedOrigins: [origin],
      allowedHeaders: ['*'],
      exposedHeaders: ['ETag'],
      maxAge: 3600,
    });
  }

  /** ARN pattern of every object under a prefix, e.g. `arn:aws:s3:::bucket/sources/*`. */
  objectsUnder(prefix: string): string {
    return this.bucket.arnForObjects(`${prefix}*`);
  }
}
