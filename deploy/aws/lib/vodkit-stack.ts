import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { Alarms } from './alarms.ts';
import { CatalogTable } from './catalog-table.ts';
import { Delivery } from './delivery.ts';
import { Functions, STAGE_TIMEOUT } from './functions.ts';
import { HttpApi } from './http-api.ts';
import { MediaConvert } from './media-convert.ts';
import { suppressAcceptedFindings } from './nag-suppressions.ts';
import { Queues } from './queues.ts';
import { Secrets } from './secrets.ts';
import { readSettings } from './settings.ts';
import { SOURCES_PREFIX, Storage } from './storage.ts';

/** The repository's root, where package-lock.json and the Lambda entry files are. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface VodkitStackProps extends StackProps {
  /** Where the Lambda entry files and package-lock.json are; the repository by default. */
  readonly projectRoot?: string;
}

/**
 * vodkit on AWS, one stack: uploads land in S3 under `sources/`, their ObjectCreated events go
 * through SQS to the stage function, which probes them and submits MediaConvert jobs writing
 * under `media/`; MediaConvert's state changes reach the events function through EventBridge;
 * the catalog is a DynamoDB table; a schedule runs the maintenance function (lost upload events,
 * abandoned uploads); CloudFront serves the web app and API (an HTTP API in front of
 * the HTTP function) and the outputs (signed URLs or cookies only). Environment-agnostic: it
 * synthesizes without an AWS account and deploys into whichever the CLI uses.
 */
export class VodkitStack extends Stack {
  readonly storage: Storage;
  readonly queues: Queues;
  readonly catalog: CatalogTable;
  readonly mediaConvert: MediaConvert;
  readonly secrets: Secrets;
  readonly httpApi: HttpApi;
  readonly delivery: Delivery;
  readonly functions: Functions;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: VodkitStackProps = {}) {
    super(scope, id, {
      description: 'vodkit: video on demand (S3, Lambda, MediaConvert, DynamoDB, CloudFront)',
      ...props,
    });
    const settings = readSettings(this.node);
    const projectRoot = props.projectRoot ?? REPOSITORY_ROOT;
    const logRetention = settings.logRetentionDays as logs.RetentionDays;

    this.storage = new Storage(this, 'Storage', { sourceRetentionDays: settings.sourceRetentionDays });
    this.queues = new Queues(this, 'Queues', { consumerTimeout: STAGE_TIMEOUT });
    this.catalog = new CatalogTable(this, 'Catalog');
    this.mediaConvert = new MediaConvert(this, 'MediaConvert', { storage: this.storage });
    this.secrets = new Secrets(this, 'Secrets', { projectRoot, logRetention, signingKeyVersion: settings.signingKeyVersion });
    this.httpApi = new HttpApi(this, 'HttpApi', { logRetention });
    this.delivery = new Delivery(this, 'Delivery', {
      storage: this.storage,
      apiHost: this.httpApi.endpointHost,
      keyGroup: this.secrets.keyGroup,
    });
    this.storage.allowBrowserUploadsFrom(this.delivery.url);

    // Every object created under sources/, whatever its name: the handler looks at the bytes.
    this.storage.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queues.uploads), {
      prefix: SOURCES_PREFIX,
    });

    this.functions = new Functions(this, 'Functions', {
      projectRoot,
      storage: this.storage,
      queues: this.queues,
      table: this.catalog.table,
      mediaConvert: this.mediaConvert,
      secrets: this.secrets,
      publicUrl: this.delivery.url,
      logRetention,
      maintenanceInterval: Duration.minutes(settings.maintenanceMinutes),
    });
    this.httpApi.routeAllTo(this.functions.http.function);

    this.alarms = new Alarms(this, 'Alarms', {
      deadLetterQueues: {
        Uploads: this.queues.uploadsDeadLetter,
        Jobs: this.queues.jobsDeadLetter,
        MediaConvertEvents: this.queues.eventsDeadLetter,
      },
      mediaConvertQueueArn: this.mediaConvert.queueArn,
      alarmEmail: settings.alarmEmail,
    });

    new CfnOutput(this, 'WebAppUrl', { description: 'The web app (CloudFront)', value: this.delivery.url });
    new CfnOutput(this, 'ApiUrl', { description: 'The HTTP API endpoint (prefer the web app URL)', value: this.httpApi.stage.url });
    new CfnOutput(this, 'BucketName', { description: 'Sources under sources/, outputs under media/', value: this.storage.bucket.bucketName });
    new CfnOutput(this, 'TableName', { description: 'The catalog table', value: this.catalog.table.tableName });

    suppressAcceptedFindings(this);
  }
}
