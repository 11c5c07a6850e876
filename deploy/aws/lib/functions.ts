import { Aws, Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { MediaConvert } from './media-convert.ts';
import { NodeFunction } from './node-function.ts';
import type { Queues } from './queues.ts';
import type { Secrets } from './secrets.ts';
import { INCOMPLETE_UPLOAD_DAYS, MEDIA_PREFIX, SOURCES_PREFIX, type Storage } from './storage.ts';

/** The stage function's timeout; the queues' visibility timeout is six times it. */
export const STAGE_TIMEOUT = Duration.minutes(2);

export interface FunctionsProps {
  readonly projectRoot: string;
  readonly storage: Storage;
  readonly queues: Queues;
  readonly table: dynamodb.ITable;
  readonly mediaConvert: MediaConvert;
  readonly secrets: Secrets;
  /** The distribution's address (`https://<domain>`): the public URL and the CDN URL. */
  readonly publicUrl: string;
  readonly logRetention: logs.RetentionDays;
  /** How often the maintenance function runs. */
  readonly maintenanceInterval: Duration;
}

/**
 * vodkit's four Lambda functions, each built with the same core (`buildCore`) from its own
 * entry file, each with only the permissions its handler uses:
 * - stage (`src/lambda/stage-handler.ts`): S3 ObjectCreated events from the `uploads` queue and
 *   vodkit's jobs from the `jobs` FIFO queue; probes sources and submits MediaConvert jobs;
 * - mediaconvert events (`src/lambda/mediaconvert-events-handler.ts`): MediaConvert's job state
 *   changes for the stack's queue, through an EventBridge rule; records progress and results;
 * - http (`src/lambda/http-handler.ts`): the Fastify app behind the HTTP API;
 * - maintenance (`src/lambda/maintenance-handler.ts`): on a schedule, queues uploads whose S3
 *   event was lost and removes abandoned uploads (what `vodkit serve` runs on a timer).
 */
export class Functions extends Construct {
  readonly stage: NodeFunction;
  readonly mediaConvertEvents: NodeFunction;
  readonly http: NodeFunction;
  readonly maintenance: NodeFunction;
  /** The EventBridge rule sending the queue's state changes to the events function. */
  readonly jobStateRule: events.Rule;
  /** The EventBridge schedule running the maintenance function. */
  readonly maintenanceSchedule: events.Rule;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { storage, queues, table, mediaConvert, secrets } = props;
    const environment = vodkitEnvironment(props);
    const common = { projectRoot: props.projectRoot, logRetention: props.logRetention, environment };

    this.stage = new NodeFunction(this, 'Stage', {
      ...common,
      entry: 'src/lambda/stage-handler.ts',
      description: 'vodkit stage: S3 upload events and queued jobs; submits MediaConvert jobs',
      timeout: STAGE_TIMEOUT,
      memorySize: 1024,
    });
    this.mediaConvertEvents = new NodeFunction(this, 'MediaConvertEvents', {
      ...common,
      entry: 'src/lambda/mediaconvert-events-handler.ts',
      description: 'vodkit: MediaConvert job state changes (progress, completion, errors)',
      timeout: Duration.minutes(1),
      memorySize: 512,
      deadLetterQueue: queues.eventsDeadLetter,
    });
    this.http = new NodeFunction(this, 'Http', {
      ...common,
      environment: { ...environment, ...cdnEnvironment(props) },
      // The web app the Fastify app serves (src/lambda/http-handler.ts looks for it beside itself).
      copyIntoBundle: ['web-dist'],
      entry: 'src/lambda/http-handler.ts',
      description: 'vodkit HTTP: the web app and the API behind API Gateway',
      timeout: Duration.seconds(29),
      memorySize: 1024,
    });
    this.maintenance = new NodeFunction(this, 'Maintenance', {
      ...common,
      // The S3 store cannot list multipart uploads, so a large upload still sending parts is
      // told from an abandoned one by age only: an upload is removed once the bucket's lifecycle
      // rule has aborted its multipart upload (INCOMPLETE_UPLOAD_DAYS after it started, applied
      // by S3 within about a day more).
      environment: { ...environment, VODKIT_UPLOAD_GRACE: String((INCOMPLETE_UPLOAD_DAYS + 1) * 24 * 3600) },
      entry: 'src/lambda/maintenance-handler.ts',
      description: 'vodkit maintenance: queues uploads whose S3 event was lost, removes abandoned uploads',
      timeout: Duration.minutes(5),
      memorySize: 512,
    });

    // Event sources: the stage function takes both queues and reports failed messages one by one.
    this.stage.function.addEventSource(new SqsEventSource(queues.uploads, { batchSize: 10, reportBatchItemFailures: true }));
    this.stage.function.addEventSource(new SqsEventSource(queues.jobs, { batchSize: 10, reportBatchItemFailures: true }));

    this.jobStateRule = new events.Rule(this, 'JobStateChanges', {
      description: 'vodkit: state changes of the jobs of the stack’s MediaConvert queue',
      eventPattern: {
        source: ['aws.mediaconvert'],
        detailType: ['MediaConvert Job State Change'],
        detail: { queue: [mediaConvert.queueArn] },
      },
    });
    this.jobStateRule.addTarget(
      new targets.LambdaFunction(this.mediaConvertEvents.function, {
        deadLetterQueue: queues.eventsDeadLetter,
        retryAttempts: 8,
        maxEventAge: Duration.hours(6),
      }),
    );

    // Maintenance: a run every `maintenanceInterval` (runs are idempotent; a failed one is tried
    // again by Lambda, and the next one starts afresh).
    this.maintenanceSchedule = new events.Rule(this, 'MaintenanceSchedule', {
      description: 'vodkit: periodic maintenance (lost upload events, abandoned uploads)',
      schedule: events.Schedule.rate(props.maintenanceInterval),
    });
    this.maintenanceSchedule.addTarget(new targets.LambdaFunction(this.maintenance.function));

    // Catalog: every function reads and writes it.
    for (const fn of this.all) {
      fn.role.addToPolicy(catalogAccess(table));
      fn.role.addToPolicy(readSecret('ReadInstallationSecret', secrets.installationSecret.secretArn));
      fn.role.addToPolicy(listBucket(storage));
    }

    // Stage: reads sources (the object-created check, MediaConvert's Probe runs with the caller's
    // access), deletes refused sources and an earlier attempt's outputs, queues the next stage,
    // submits MediaConvert jobs passing the MediaConvert role.
    this.stage.role.addToPolicy(objects('SourcesReadDelete', ['s3:GetObject', 's3:DeleteObject'], storage.objectsUnder(SOURCES_PREFIX)));
    this.stage.role.addToPolicy(objects('MediaDelete', ['s3:DeleteObject'], storage.objectsUnder(MEDIA_PREFIX)));
    this.stage.role.addToPolicy(sendJobs(queues));
    this.stage.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SubmitMediaConvertJobs',
        actions: ['mediaconvert:CreateJob'],
        resources: [mediaConvert.queueArn, `arn:${Aws.PARTITION}:mediaconvert:${Aws.REGION}:${Aws.ACCOUNT_ID}:jobs/*`],
      }),
    );
    this.stage.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ProbeSources',
        // Probe names no resource: IAM accepts only "*" for it.
        actions: ['mediaconvert:Probe'],
        resources: ['*'],
      }),
    );
    this.stage.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PassMediaConvertRole',
        actions: ['iam:PassRole'],
        resources: [mediaConvert.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'mediaconvert.amazonaws.com' } },
      }),
    );

    // MediaConvert events: records results in the catalog, removes a failed attempt's outputs; a
    // ladder's completion lists the video's caption tracks in the new master playlist (reads it
    // and writes it again, core/captions/publish-captions.ts) and checks that a chosen poster is
    // still there (a head, which S3 allows with GetObject).
    this.mediaConvertEvents.role.addToPolicy(
      objects('MediaReadWriteDelete', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], storage.objectsUnder(MEDIA_PREFIX)),
    );

    // HTTP: presigned single and multipart uploads into sources, reads of both prefixes, writes
    // into media (the captions API: caption files, their playlists and the master rewritten with
    // them, core/captions), deletions (videos, caption tracks, a withdrawn download), retries
    // queued as jobs, the health check (table and queue), the CloudFront signing key.
    this.http.role.addToPolicy(
      objects(
        'SourcesUpload',
        ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        storage.objectsUnder(SOURCES_PREFIX),
      ),
    );
    this.http.role.addToPolicy(
      objects('MediaReadWriteDelete', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], storage.objectsUnder(MEDIA_PREFIX)),
    );
    this.http.role.addToPolicy(sendJobs(queues));
    this.http.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'HealthQueue', actions: ['sqs:GetQueueAttributes'], resources: [queues.jobs.queueArn] }),
    );
    this.http.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'HealthCatalog', actions: ['dynamodb:DescribeTable'], resources: [table.tableArn] }),
    );
    this.http.role.addToPolicy(readSecret('ReadSigningKey', secrets.signingKeySecret.secretArn));

    // Maintenance: heads and reads the first bytes of sources (the object-created check), deletes
    // an upload whose video was deleted meanwhile, queues `prepare`. No multipart action: the S3
    // store lists no multipart uploads (the bucket's lifecycle rule aborts them).
    this.maintenance.role.addToPolicy(objects('SourcesReadDelete', ['s3:GetObject', 's3:DeleteObject'], storage.objectsUnder(SOURCES_PREFIX)));
    this.maintenance.role.addToPolicy(sendJobs(queues));
  }

  /** The four application functions. */
  get all(): NodeFunction[] {
    return [this.stage, this.mediaConvertEvents, this.http, this.maintenance];
  }
}

/**
 * The environment every function runs with: vodkit's configuration for this deployment. The CDN
 * settings (signing media URLs and cookies) are the HTTP function's only: the others sign nothing,
 * so they neither get the signing key's secret nor may read it.
 */
function vodkitEnvironment(props: FunctionsProps): Record<string, string> {
  const { storage, queues, table, mediaConvert, secrets } = props;
  return {
    VODKIT_STORAGE: `s3://${storage.bucket.bucketName}/?region=${Aws.REGION}`,
    VODKIT_DATABASE_URL: `dynamodb://${table.tableName}?region=${Aws.REGION}`,
    VODKIT_QUEUE_URL: `sqs+${queues.jobs.queueUrl}`,
    VODKIT_ENCODER: 'mediaconvert',
    VODKIT_MEDIACONVERT_ROLE_ARN: mediaConvert.role.roleArn,
    VODKIT_MEDIACONVERT_QUEUE_ARN: mediaConvert.queueArn,
    VODKIT_DATA_DIR: '/tmp/vodkit',
    VODKIT_PUBLIC_URL: props.publicUrl,
    VODKIT_SECRET_ARN: secrets.installationSecret.secretArn,
    VODKIT_JOB_MAX_ATTEMPTS: '3',
    VODKIT_WORKER: 'false',
  };
}

/** The HTTP function's CDN settings: where media is served and the key that signs its URLs. */
function cdnEnvironment(props: FunctionsProps): Record<string, string> {
  return {
    VODKIT_CDN_URL: props.publicUrl,
    VODKIT_CDN_KEY_PAIR_ID: props.secrets.publicKey.publicKeyId,
    VODKIT_CDN_PRIVATE_KEY_SECRET: props.secrets.signingKeySecret.secretArn,
  };
}

function objects(sid: string, actions: string[], resource: string): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, actions, resources: [resource] });
}

/**
 * Listing the bucket: vodkit lists a video's outputs to delete them, and S3 answers a read of a
 * missing key with 404 (not 403) only to a caller allowed to list the bucket.
 */
function listBucket(storage: Storage): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid: 'ListBucket', actions: ['s3:ListBucket'], resources: [storage.bucket.bucketArn] });
}

/** The catalog adapter's item and index operations (no scans, no batches, no table management). */
function catalogAccess(table: dynamodb.ITable): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'Catalog',
    actions: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ],
    resources: [table.tableArn, `${table.tableArn}/index/*`],
  });
}

function sendJobs(queues: Queues): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid: 'SendJobs', actions: ['sqs:SendMessage'], resources: [queues.jobs.queueArn] });
}

function readSecret(sid: string, secretArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] });
}
