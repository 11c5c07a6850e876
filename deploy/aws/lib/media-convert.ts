import * as iam from 'aws-cdk-lib/aws-iam';
import * as mediaconvert from 'aws-cdk-lib/aws-mediaconvert';
import { Construct } from 'constructs';
import { MEDIA_PREFIX, SOURCES_PREFIX, type Storage } from './storage.ts';

export interface MediaConvertProps {
  readonly storage: Storage;
}

/**
 * The deployment's MediaConvert queue (on-demand pricing: billed per output minute, nothing while
 * idle) and the role MediaConvert assumes to run vodkit's jobs. The role reads only the sources
 * (`sources/*`) and writes only the outputs (`media/*`); vodkit's stage function passes it with
 * each CreateJob.
 */
export class MediaConvert extends Construct {
  readonly queue: mediaconvert.CfnQueue;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: MediaConvertProps) {
    super(scope, id);
    this.queue = new mediaconvert.CfnQueue(this, 'Queue', {
      description: 'vodkit encodings',
      pricingPlan: 'ON_DEMAND',
      status: 'ACTIVE',
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('mediaconvert.amazonaws.com'),
      description: 'Assumed by MediaConvert for vodkit jobs: reads sources/, writes media/',
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadSources',
        actions: ['s3:GetObject'],
        resources: [props.storage.objectsUnder(SOURCES_PREFIX)],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOutputs',
        actions: ['s3:PutObject'],
        resources: [props.storage.objectsUnder(MEDIA_PREFIX)],
      }),
    );
  }

  /** The queue's ARN (jobs are submitted to it; its state-change events name it). */
  get queueArn(): string {
    return this.queue.attrArn;
  }
}
