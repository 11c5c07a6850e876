import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { CATALOG_TABLE } from '../../../src/adapters/catalog/dynamodb/table-design.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { logicalId, resourcesOf, synthVodkitStack } from './synth-stack.ts';

// Template assertions on the functions, their triggers, the HTTP API, the catalog table and the alarms.
const { stack, template, json } = synthVodkitStack();
const fnId = (fn: { function: IConstruct }) => logicalId(stack, fn.function);
const { stage, mediaConvertEvents, http, maintenance } = stack.functions;
const functions = resourcesOf(json, 'AWS::Lambda::Function');
const ours = [stage, mediaConvertEvents, http, maintenance, stack.secrets.signingKeyFunction].map(fnId);

describe('the functions', () => {
  it('run Node.js 22 on arm64, from a bundled ES module, each with its own log group and retention', () => {
    const logGroups = resourcesOf(json, 'AWS::Logs::LogGroup');
    for (const id of ours) {
      const fn = functions[id];
      expect(fn.Runtime).toBe('nodejs22.x');
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.Handler).toBe('index.handler');
      const logGroup = logGroups[fn.LoggingConfig.LogGroup.Ref];
      expect(logGroup.RetentionInDays).toBe(30);
      expect(fn.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('are the stage, the MediaConvert events, the HTTP and the maintenance functions (besides the signing key generator)', () => {
    const descriptions = ours.map((id) => functions[id].Description as string);
    expect(descriptions).toEqual([
      expect.stringContaining('stage'),
      expect.stringContaining('MediaConvert job state changes'),
      expect.stringContaining('HTTP'),
      expect.stringContaining('maintenance'),
      expect.stringContaining('signing key'),
    ]);
  });

  it('give every application function vodkit’s AWS configuration', () => {
    const bucket = logicalId(stack, stack.storage.bucket);
    const table = logicalId(stack, stack.catalog.table);
    const domain = { 'Fn::GetAtt': [logicalId(stack, stack.delivery.distribution), 'DomainName'] };
    const expected = {
      VODKIT_STORAGE: { 'Fn::Join': ['', ['s3://', { Ref: bucket }, '/?region=', { Ref: 'AWS::Region' }]] },
      VODKIT_DATABASE_URL: { 'Fn::Join': ['', ['dynamodb://', { Ref: table }, '?region=', { Ref: 'AWS::Region' }]] },
      VODKIT_QUEUE_URL: { 'Fn::Join': ['', ['sqs+', { Ref: logicalId(stack, stack.queues.jobs) }]] },
      VODKIT_ENCODER: 'mediaconvert',
      VODKIT_MEDIACONVERT_ROLE_ARN: { 'Fn::GetAtt': [logicalId(stack, stack.mediaConvert.role), 'Arn'] },
      VODKIT_MEDIACONVERT_QUEUE_ARN: { 'Fn::GetAtt': [logicalId(stack, stack.mediaConvert.queue), 'Arn'] },
      VODKIT_DATA_DIR: '/tmp/vodkit',
      VODKIT_PUBLIC_URL: { 'Fn::Join': ['', ['https://', domain]] },
      VODKIT_SECRET_ARN: { Ref: logicalId(stack, stack.secrets.installationSecret) },
      VODKIT_JOB_MAX_ATTEMPTS: '3',
      VODKIT_WORKER: 'false',
      NODE_OPTIONS: '--enable-source-maps',
    };
    const cdn = {
      VODKIT_CDN_URL: { 'Fn::Join': ['', ['https://', domain]] },
      VODKIT_CDN_KEY_PAIR_ID: { Ref: logicalId(stack, stack.secrets.publicKey) },
      VODKIT_CDN_PRIVATE_KEY_SECRET: { Ref: logicalId(stack, stack.secrets.signingKeySecret) },
    };
    expect(functions[fnId(stage)].Environment.Variables).toEqual(expected);
    expect(functions[fnId(mediaConvertEvents)].Environment.Variables).toEqual(expected);
    expect(functions[fnId(http)].Environment.Variables).toEqual({ ...expected, ...cdn });
    // Maintenance removes an unfinished upload only once the bucket has aborted its multipart upload (1 day, plus 1 for S3's delay).
    expect(functions[fnId(maintenance)].Environment.Variables).toEqual({ ...expected, VODKIT_UPLOAD_GRACE: '172800' });
  });

  it('give an environment vodkit’s configuration accepts, once the deploy-time values are filled in', () => {
    const deployed: Record<string, string> = {
      VODKIT_STORAGE: 's3://vodkit-1c2fa620-982a-11e3-aff7-50e2416294e0/?region=eu-west-1',
      VODKIT_DATABASE_URL: 'dynamodb://Vodkit-CatalogTable-1ABCDEF?region=eu-west-1',
      VODKIT_QUEUE_URL: 'sqs+https://sqs.eu-west-1.amazonaws.com/123456789012/Vodkit-QueuesJobs-1ABCDEF.fifo',
      VODKIT_MEDIACONVERT_ROLE_ARN: 'arn:aws:iam::123456789012:role/Vodkit-MediaConvertRole-1ABCDEF',
      VODKIT_MEDIACONVERT_QUEUE_ARN: 'arn:aws:mediaconvert:eu-west-1:123456789012:queues/Vodkit-Queue-1ABCDEF',
      VODKIT_PUBLIC_URL: 'https://d111111abcdef8.cloudfront.net',
      VODKIT_CDN_URL: 'https://d111111abcdef8.cloudfront.net',
      VODKIT_CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
      VODKIT_CDN_PRIVATE_KEY_SECRET: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:SigningKey-AbCdEf',
      VODKIT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:Installation-AbCdEf',
    };
    for (const fn of [stage, mediaConvertEvents, http, maintenance]) {
      const variables = functions[fnId(fn)].Environment.Variables as Record<string, unknown>;
      const env = Object.fromEntries(
        Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : deployed[name]]),
      );
      expect(Object.values(env).every((v) => typeof v === 'string')).toBe(true);
      const config = loadConfig({ ...env, AWS_REGION: 'eu-west-1' } as NodeJS.ProcessEnv);
      expect(config).toMatchObject({ encoder: 'mediaconvert', runWorker: false, jobMaxAttempts: 3, secretArn: deployed.VODKIT_SECRET_ARN });
    }
  });

  it('stage: two minutes, the queues’ visibility timeout being six times that', () => {
    expect(functions[fnId(stage)].Timeout).toBe(120);
  });

  it('MediaConvert events: asynchronous failures go to its dead-letter queue', () => {
    expect(functions[fnId(mediaConvertEvents)].DeadLetterConfig).toEqual({
      TargetArn: { 'Fn::GetAtt': [logicalId(stack, stack.queues.eventsDeadLetter), 'Arn'] },
    });
  });
});

describe('the maintenance schedule', () => {
  const schedules = (of: typeof json) => Object.values(resourcesOf(of, 'AWS::Events::Rule')).filter((r) => r.ScheduleExpression);

  it('runs the maintenance function every 10 minutes', () => {
    expect(schedules(json)).toEqual([
      expect.objectContaining({
        ScheduleExpression: 'rate(10 minutes)',
        State: 'ENABLED',
        Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': [fnId(maintenance), 'Arn'] } })],
      }),
    ]);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId(maintenance), 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });

  it('every `maintenanceMinutes` when the context sets it; a malformed value is refused', () => {
    expect(schedules(synthVodkitStack({ maintenanceMinutes: 30 }).json)).toEqual([expect.objectContaining({ ScheduleExpression: 'rate(30 minutes)' })]);
    expect(() => synthVodkitStack({ maintenanceMinutes: 0 })).toThrow(/maintenanceMinutes/);
    expect(() => synthVodkitStack({ maintenanceMinutes: 'often' })).toThrow(/maintenanceMinutes/);
  });
});

describe('the MediaConvert state-change rule', () => {
  it('matches the job state changes of the stack’s queue only and targets the events function', () => {
    const rules = Object.values(resourcesOf(json, 'AWS::Events::Rule')).filter((r) => r.EventPattern);
    expect(rules).toHaveLength(1);
    const [rule] = rules;
    expect(rule.EventPattern).toEqual({
      source: ['aws.mediaconvert'],
      'detail-type': ['MediaConvert Job State Change'],
      detail: { queue: [{ 'Fn::GetAtt': [logicalId(stack, stack.mediaConvert.queue), 'Arn'] }] },
    });
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [fnId(mediaConvertEvents), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack, stack.queues.eventsDeadLetter), 'Arn'] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 21600, MaximumRetryAttempts: 8 },
      }),
    ]);
  });

  it('an on-demand MediaConvert queue', () => {
    template.hasResourceProperties('AWS::MediaConvert::Queue', { PricingPlan: 'ON_DEMAND', Status: 'ACTIVE' });
  });
});

describe('the HTTP API', () => {
  it('sends every route to the HTTP function and logs each request', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [fnId(http), 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logicalId(stack, stack.httpApi.accessLogs), 'Arn'] },
        Format: Match.stringLikeRegexp('requestId'),
      },
    });
  });
});

describe('the catalog table', () => {
  it('has the keys and indexes of the DynamoDB adapter’s table design', () => {
    const [table] = Object.values(resourcesOf(json, 'AWS::DynamoDB::Table'));
    expect(table.KeySchema).toEqual([
      { AttributeName: CATALOG_TABLE.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: CATALOG_TABLE.sortKey.name, KeyType: 'RANGE' },
    ]);
    expect(table.GlobalSecondaryIndexes).toEqual(
      CATALOG_TABLE.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
    const declared = new Map<string, string>();
    for (const key of [CATALOG_TABLE.partitionKey, CATALOG_TABLE.sortKey, ...CATALOG_TABLE.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
      declared.set(key.name, key.type);
    }
    expect(table.AttributeDefinitions).toHaveLength(declared.size);
    for (const def of table.AttributeDefinitions) expect(def.AttributeType).toBe(declared.get(def.AttributeName));
  });

  it('is on demand, recoverable to a point in time, encrypted and kept when the stack goes', () => {
    const [id] = Object.keys(resourcesOf(json, 'AWS::DynamoDB::Table'));
    expect(json.Resources[id]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });
});

describe('the alarms', () => {
  const alarms = Object.values(resourcesOf(json, 'AWS::CloudWatch::Alarm'));

  it('go off when a dead-letter queue holds a message', () => {
    for (const queue of [stack.queues.uploadsDeadLetter, stack.queues.jobsDeadLetter, stack.queues.eventsDeadLetter]) {
      const alarm = alarms.find((a) => a.Dimensions?.[0]?.Value?.['Fn::GetAtt']?.[0] === logicalId(stack, queue));
      expect(alarm).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('go off when a job of the stack’s MediaConvert queue ends in ERROR', () => {
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/MediaConvert',
        MetricName: 'JobsErroredCount',
        Dimensions: [{ Name: 'Queue', Value: { 'Fn::GetAtt': [logicalId(stack, stack.mediaConvert.queue), 'Arn'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    expect(alarms).toHaveLength(4);
  });

  it('notify nobody without alarmEmail, and mail it through an SSL-only topic with it', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
    const mailed = synthVodkitStack({ alarmEmail: 'ops@example.com' });
    mailed.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    const [topicId] = Object.keys(resourcesOf(mailed.json, 'AWS::SNS::Topic'));
    for (const alarm of Object.values(resourcesOf(mailed.json, 'AWS::CloudWatch::Alarm'))) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
    }
    mailed.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    expect(() => synthVodkitStack({ alarmEmail: 'not an address' })).toThrow(/alarmEmail/);
  });
});

describe('the outputs', () => {
  it('print the web app URL, the API URL, the bucket and the table', () => {
    const outputs = json.Outputs ?? {};
    expect(outputs.WebAppUrl.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack, stack.delivery.distribution), 'DomainName'] }]] });
    expect(JSON.stringify(outputs.ApiUrl.Value)).toContain('execute-api');
    expect(outputs.BucketName.Value).toEqual({ Ref: logicalId(stack, stack.storage.bucket) });
    expect(outputs.TableName.Value).toEqual({ Ref: logicalId(stack, stack.catalog.table) });
  });
});
