import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { logicalId, resourcesOf, synthVodkitStack } from './synth-stack.ts';

// Least privilege, read from the synthesized template: every statement of every role.
const { stack, json } = synthVodkitStack();

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown; Principal?: unknown };

const bucket = logicalId(stack, stack.storage.bucket);
const table = logicalId(stack, stack.catalog.table);
const bucketArn = { 'Fn::GetAtt': [bucket, 'Arn'] };
const tableArn = { 'Fn::GetAtt': [table, 'Arn'] };
const under = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}*`]] });
const jobsArn = { 'Fn::GetAtt': [logicalId(stack, stack.queues.jobs), 'Arn'] };
const uploadsArn = { 'Fn::GetAtt': [logicalId(stack, stack.queues.uploads), 'Arn'] };
const mediaConvertRoleArn = { 'Fn::GetAtt': [logicalId(stack, stack.mediaConvert.role), 'Arn'] };
const installationSecret = { Ref: logicalId(stack, stack.secrets.installationSecret) };
const signingKeySecret = { Ref: logicalId(stack, stack.secrets.signingKeySecret) };

/** Every statement of the identity policies attached to a role. */
function statementsOf(role: IRole): Statement[] {
  const roleId = logicalId(stack, role);
  const attached = Object.values(resourcesOf(json, 'AWS::IAM::Policy')).filter((p) =>
    (p.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId),
  );
  const inline = (json.Resources[roleId].Properties!.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>;
  return [...attached.flatMap((p) => p.PolicyDocument.Statement as Statement[]), ...inline.flatMap((p) => p.PolicyDocument.Statement)];
}

/** Statements as (sorted actions, resources, condition), without the Sid, for comparison. */
function grants(statements: Statement[]): Array<{ actions: string[]; resources: unknown[]; condition?: unknown }> {
  return statements.map((s) => {
    expect(s.Effect).toBe('Allow');
    const actions = (Array.isArray(s.Action) ? s.Action : [s.Action]).slice().sort();
    const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
    return s.Condition ? { actions, resources, condition: s.Condition } : { actions, resources };
  });
}

/** The statement letting a function write its own log group. */
function logsOf(fn: { logGroup: IConstruct }) {
  return { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [{ 'Fn::GetAtt': [logicalId(stack, fn.logGroup), 'Arn'] }] };
}

const catalog = {
  actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
  resources: [tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }],
};
const readInstallationSecret = { actions: ['secretsmanager:GetSecretValue'], resources: [installationSecret] };
const listBucket = { actions: ['s3:ListBucket'], resources: [bucketArn] };

describe('no statement anywhere', () => {
  const documents: Array<{ where: string; statements: Statement[] }> = [];
  for (const [id, resource] of Object.entries(json.Resources)) {
    const p = resource.Properties ?? {};
    if (p.PolicyDocument) documents.push({ where: id, statements: p.PolicyDocument.Statement });
    for (const inline of p.Policies ?? []) documents.push({ where: id, statements: inline.PolicyDocument.Statement });
    if (p.AssumeRolePolicyDocument) documents.push({ where: id, statements: p.AssumeRolePolicyDocument.Statement });
  }

  it('allows a wildcard action', () => {
    expect(documents.length).toBeGreaterThan(10);
    for (const { where, statements } of documents) {
      for (const s of statements) {
        if (s.Effect !== 'Allow') continue;
        for (const action of Array.isArray(s.Action) ? s.Action : [s.Action]) {
          expect(action, `${where}: ${action}`).not.toMatch(/\*/);
        }
      }
    }
  });

  it('comes from a managed policy, except on the bucket notifications handler aws-cdk-lib adds', () => {
    const withManaged = Object.entries(resourcesOf(json, 'AWS::IAM::Role'))
      .filter(([, role]) => role.ManagedPolicyArns)
      .map(([id]) => id);
    expect(withManaged).toEqual([expect.stringMatching(/^BucketNotificationsHandler/)]);
    expect(JSON.stringify(json)).not.toMatch(/FullAccess/);
  });
});

describe('the MediaConvert role', () => {
  it('is assumed by MediaConvert only', () => {
    const role = json.Resources[logicalId(stack, stack.mediaConvert.role)].Properties!;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'mediaconvert.amazonaws.com' } },
    ]);
  });

  it('reads only sources/ and writes only media/', () => {
    expect(grants(statementsOf(stack.mediaConvert.role))).toEqual([
      { actions: ['s3:GetObject'], resources: [under('sources/')] },
      { actions: ['s3:PutObject'], resources: [under('media/')] },
    ]);
  });
});

describe('the stage function’s role', () => {
  const statements = statementsOf(stack.functions.stage.role);

  it('has exactly what the object-created handler, prepare and ladder stages call', () => {
    expect(grants(statements)).toEqual([
      logsOf(stack.functions.stage),
      {
        actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
        resources: expect.arrayContaining([jobsArn, uploadsArn]),
      },
      catalog,
      readInstallationSecret,
      listBucket,
      { actions: ['s3:DeleteObject', 's3:GetObject'], resources: [under('sources/')] },
      { actions: ['s3:DeleteObject'], resources: [under('media/')] },
      { actions: ['sqs:SendMessage'], resources: [jobsArn] },
      {
        actions: ['mediaconvert:CreateJob'],
        resources: [
          { 'Fn::GetAtt': [logicalId(stack, stack.mediaConvert.queue), 'Arn'] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':mediaconvert:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':jobs/*']] },
        ],
      },
      { actions: ['mediaconvert:Probe'], resources: ['*'] },
      {
        actions: ['iam:PassRole'],
        resources: [mediaConvertRoleArn],
        condition: { StringEquals: { 'iam:PassedToService': 'mediaconvert.amazonaws.com' } },
      },
    ]);
  });

  it('passes no role but the MediaConvert role, and only to MediaConvert', () => {
    for (const [id, policy] of Object.entries(resourcesOf(json, 'AWS::IAM::Policy'))) {
      for (const s of policy.PolicyDocument.Statement as Statement[]) {
        const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
        if (!actions.includes('iam:PassRole')) continue;
        expect(id).toBe(logicalId(stack, stack.functions.stage.role.node.findChild('DefaultPolicy')));
        expect(s.Resource).toEqual(mediaConvertRoleArn);
        expect(s.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'mediaconvert.amazonaws.com' } });
      }
    }
  });
});

describe('the MediaConvert events function’s role', () => {
  it('writes the catalog, rewrites the master with the caption tracks and removes outputs, in media/ only', () => {
    expect(grants(statementsOf(stack.functions.mediaConvertEvents.role))).toEqual([
      logsOf(stack.functions.mediaConvertEvents),
      { actions: ['sqs:SendMessage'], resources: [{ 'Fn::GetAtt': [logicalId(stack, stack.queues.eventsDeadLetter), 'Arn'] }] },
      catalog,
      readInstallationSecret,
      listBucket,
      { actions: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'], resources: [under('media/')] },
    ]);
  });
});

describe('the HTTP function’s role', () => {
  it('has the uploads, reads, caption writes, deletions, retries, health checks and the signing key', () => {
    expect(grants(statementsOf(stack.functions.http.role))).toEqual([
      logsOf(stack.functions.http),
      catalog,
      readInstallationSecret,
      listBucket,
      {
        actions: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
        resources: [under('sources/')],
      },
      { actions: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'], resources: [under('media/')] },
      { actions: ['sqs:SendMessage'], resources: [jobsArn] },
      { actions: ['sqs:GetQueueAttributes'], resources: [jobsArn] },
      { actions: ['dynamodb:DescribeTable'], resources: [tableArn] },
      { actions: ['secretsmanager:GetSecretValue'], resources: [signingKeySecret] },
    ]);
  });

  it('is the only function that may read the signing key', () => {
    const readers = Object.values(resourcesOf(json, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.PolicyDocument).includes(signingKeySecret.Ref))
      .map((p) => (p.Roles as Array<{ Ref: string }>)[0].Ref);
    expect(readers.sort()).toEqual(
      [logicalId(stack, stack.functions.http.role), logicalId(stack, stack.secrets.signingKeyFunction.role)].sort(),
    );
  });
});

describe('the maintenance function’s role', () => {
  it('has exactly what a maintenance run calls: the catalog, heads and first bytes of sources, their deletion, queueing prepare', () => {
    expect(grants(statementsOf(stack.functions.maintenance.role))).toEqual([
      logsOf(stack.functions.maintenance),
      catalog,
      readInstallationSecret,
      listBucket,
      { actions: ['s3:DeleteObject', 's3:GetObject'], resources: [under('sources/')] },
      { actions: ['sqs:SendMessage'], resources: [jobsArn] },
    ]);
  });
});

describe('the signing key generator’s role', () => {
  it('reads and writes the signing key secret only', () => {
    expect(grants(statementsOf(stack.secrets.signingKeyFunction.role))).toEqual([
      logsOf(stack.secrets.signingKeyFunction),
      { actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'], resources: [signingKeySecret] },
    ]);
  });
});
