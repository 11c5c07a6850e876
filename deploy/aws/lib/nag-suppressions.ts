import type { Stack } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { VodkitStack } from './vodkit-stack.ts';

/**
 * The cdk-nag (AWS Solutions) findings the deployment accepts, each with its reason. Anything
 * not listed here fails `cdk synth` and the tests. Wildcard resources are accepted only where
 * the wildcard is a key prefix of the stack's own bucket, the indexes of the stack's own table,
 * the MediaConvert jobs the stage function creates, or an action IAM accepts on `*` only.
 */
export function suppressAcceptedFindings(stack: VodkitStack): void {
  const { functions, secrets, mediaConvert, delivery, httpApi } = stack;

  const runtimeReason =
    'Node.js 22 is the newest Node version vodkit is tested on (its CI runs the tests under Node 20 and 22); the runtime moves when the tests do.';
  for (const fn of [...functions.all, secrets.signingKeyFunction]) {
    NagSuppressions.addResourceSuppressions(fn.function, [{ id: 'AwsSolutions-L1', reason: runtimeReason }]);
  }

  const prefixReason =
    'Object ARNs under one key prefix of the stack’s own bucket (sources/ or media/): the role reaches only that prefix, as vodkit’s object keys are generated per video.';
  const prefixes = [regex(/^Resource::<StorageBucket[0-9A-F]+\.Arn>\/(sources|media)\/\*$/)];
  const indexReason = 'Queries go to the catalog table’s own global secondary indexes (byCreated, byOwner, byVisibility), all of them.';
  const indexes = [regex(/^Resource::<CatalogTable[0-9A-F]+\.Arn>\/index\/\*$/)];
  for (const fn of functions.all) {
    NagSuppressions.addResourceSuppressions(
      fn.role,
      [
        { id: 'AwsSolutions-IAM5', reason: prefixReason, appliesTo: prefixes },
        { id: 'AwsSolutions-IAM5', reason: indexReason, appliesTo: indexes },
      ],
      true,
    );
  }
  NagSuppressions.addResourceSuppressions(mediaConvert.role, [{ id: 'AwsSolutions-IAM5', reason: prefixReason, appliesTo: prefixes }], true);
  NagSuppressions.addResourceSuppressions(
    functions.stage.role,
    [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'mediaconvert:CreateJob needs the ARN of the job it creates, unknown until then: the jobs of this account and region.',
        appliesTo: [regex(/^Resource::arn:<AWS::Partition>:mediaconvert:<AWS::Region>:<AWS::AccountId>:jobs\/\*$/)],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'mediaconvert:Probe has no resource type: IAM accepts it on "*" only. The statement allows that one action.',
        appliesTo: ['Resource::*'],
      },
    ],
    true,
  );

  NagSuppressions.addResourceSuppressions(secrets.installationSecret, [
    {
      id: 'AwsSolutions-SMG4',
      reason: 'The installation secret signs sessions and upload URLs; rotating it would sign everyone out and void every pending upload. It is rotated by hand (docs) when needed.',
    },
  ]);
  NagSuppressions.addResourceSuppressions(secrets.signingKeySecret, [
    {
      id: 'AwsSolutions-SMG4',
      reason: 'The private key must change together with the CloudFront public key and key group, which a Secrets Manager rotation cannot do; it is replaced by redeploying (docs).',
    },
  ]);

  NagSuppressions.addResourceSuppressions(
    httpApi,
    [
      {
        id: 'AwsSolutions-APIG4',
        reason: 'The Fastify app authenticates every request itself (sessions, API tokens, OIDC) exactly as when self-hosted; public routes (web app, login, public videos) must stay reachable.',
      },
    ],
    true,
  );
  NagSuppressions.addResourceSuppressions(delivery.distribution, [
    {
      id: 'AwsSolutions-CFR4',
      reason: 'The distribution uses the default *.cloudfront.net certificate, for which CloudFront cannot set a minimum TLS version; a custom domain with its own certificate lifts this.',
    },
    { id: 'AwsSolutions-CFR1', reason: 'vodkit serves its videos worldwide; who may watch is decided by the app (signed URLs), not by country.' },
    {
      id: 'AwsSolutions-CFR2',
      reason: 'No WAF by default (a web ACL costs a monthly fee); the app rate-limits uploads and logins itself. A web ACL can be attached to the distribution when needed.',
    },
  ]);

  suppressBucketNotificationsHandler(stack);
}

/**
 * The function aws-cdk-lib adds to configure the bucket's notifications (a CloudFormation custom
 * resource run at deploy time only).
 */
function suppressBucketNotificationsHandler(stack: Stack): void {
  const handler = stack.node.children.find((c: IConstruct) => c.node.id.startsWith('BucketNotificationsHandler'));
  if (!handler) return;
  NagSuppressions.addResourceSuppressions(
    handler,
    [
      {
        id: 'AwsSolutions-IAM4',
        reason: 'aws-cdk-lib’s bucket notifications handler runs only during deployments and uses AWSLambdaBasicExecutionRole for its logs; its code and role are not configurable.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      },
    ],
    true,
  );
}

/** A cdk-nag `appliesTo` pattern. */
function regex(pattern: RegExp): { regex: string } {
  return { regex: pattern.toString() };
}
