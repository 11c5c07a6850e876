import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { logicalId, resourcesOf, synthVodkitStack } from './synth-stack.ts';

// Template assertions on the bucket, its upload notifications and the queues (one synthesis).
const { stack, template, json } = synthVodkitStack();
const bucketId = logicalId(stack, stack.storage.bucket);
const distributionId = logicalId(stack, stack.delivery.distribution);

describe('the bucket', () => {
  const bucket = json.Resources[bucketId].Properties!;

  it('is private, encrypted, unversioned and logs its accesses to the log bucket', () => {
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(bucket.VersioningConfiguration).toBeUndefined();
    expect(bucket.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: logicalId(stack, stack.storage.logBucket) });
    expect(json.Resources[bucketId]).toMatchObject({ DeletionPolicy: 'Retain' });
  });

  it('refuses plain HTTP in its policy', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets browsers on the CloudFront domain PUT uploads and read the ETag', () => {
    expect(bucket.CorsConfiguration.CorsRules).toEqual([
      {
        AllowedMethods: ['PUT'],
        AllowedOrigins: [{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] }],
        AllowedHeaders: ['*'],
        ExposedHeaders: ['ETag'],
        MaxAge: 3600,
      },
    ]);
  });

  it('aborts incomplete multipart uploads after a day and expires sources after 30 days by default', () => {
    const rules = bucket.LifecycleConfiguration.Rules as Array<Record<string, unknown>>;
    expect(rules).toContainEqual(
      expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
    );
    const expiry = rules.find((r) => r.ExpirationInDays !== undefined);
    expect(expiry).toMatchObject({ Prefix: 'sources/', ExpirationInDays: 30, Status: 'Enabled' });
    expect(rules.filter((r) => r.ExpirationInDays !== undefined)).toHaveLength(1);
  });

  it('takes the sources retention from the context', () => {
    const other = synthVodkitStack({ sourceRetentionDays: 7 });
    const rules = other.json.Resources[bucketId].Properties!.LifecycleConfiguration.Rules as Array<Record<string, unknown>>;
    expect(rules.find((r) => r.Prefix === 'sources/')).toMatchObject({ ExpirationInDays: 7 });
    expect(() => synthVodkitStack({ sourceRetentionDays: 0 })).toThrow(/sourceRetentionDays/);
  });

  it('sends every ObjectCreated event under sources/ to the uploads queue, with no suffix filter', () => {
    const [notifications] = Object.values(resourcesOf(json, 'Custom::S3BucketNotifications'));
    expect(notifications.BucketName).toEqual({ Ref: bucketId });
    const configs = notifications.NotificationConfiguration.QueueConfigurations;
    expect(configs).toEqual([
      {
        Events: ['s3:ObjectCreated:*'],
        QueueArn: { 'Fn::GetAtt': [logicalId(stack, stack.queues.uploads), 'Arn'] },
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'sources/' }] } },
      },
    ]);
    expect(JSON.stringify(notifications.NotificationConfiguration)).not.toMatch(/suffix/i);
  });
});

describe('the queues', () => {
  const queues = resourcesOf(json, 'AWS::SQS::Queue');
  const uploads = queues[logicalId(stack, stack.queues.uploads)];
  const jobs = queues[logicalId(stack, stack.queues.jobs)];
  const stageTimeout = json.Resources[logicalId(stack, stack.functions.stage.function)].Properties!.Timeout as number;

  it('are all encrypted', () => {
    expect(Object.keys(queues)).toHaveLength(5);
    for (const queue of Object.values(queues)) expect(queue.SqsManagedSseEnabled).toBe(true);
  });

  it('all refuse plain HTTP', () => {
    const denied = new Set<string>();
    for (const policy of Object.values(resourcesOf(json, 'AWS::SQS::QueuePolicy'))) {
      const denies = (policy.PolicyDocument.Statement as Array<Record<string, any>>).some(
        (s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
      );
      if (denies) for (const q of policy.Queues as Array<{ Ref: string }>) denied.add(q.Ref);
    }
    expect([...denied].sort()).toEqual(Object.keys(queues).sort());
  });

  it('uploads: standard, to its dead-letter queue after 4 receives, visible again after 6 times the stage timeout', () => {
    expect(uploads.FifoQueue).toBeUndefined();
    expect(uploads.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack, stack.queues.uploadsDeadLetter), 'Arn'] },
      maxReceiveCount: 4,
    });
    expect(uploads.VisibilityTimeout).toBeGreaterThanOrEqual(6 * stageTimeout);
  });

  it('jobs: FIFO without content-based deduplication, to a FIFO dead-letter queue after 4 receives', () => {
    expect(jobs).toMatchObject({ FifoQueue: true, ContentBasedDeduplication: false });
    expect(jobs.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack, stack.queues.jobsDeadLetter), 'Arn'] },
      maxReceiveCount: 4,
    });
    expect(queues[logicalId(stack, stack.queues.jobsDeadLetter)].FifoQueue).toBe(true);
    expect(jobs.VisibilityTimeout).toBeGreaterThanOrEqual(6 * stageTimeout);
  });

  it('feed the stage function, which reports failed messages one by one', () => {
    const mappings = Object.values(resourcesOf(json, 'AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(2);
    const stageRef = { Ref: logicalId(stack, stack.functions.stage.function) };
    const sources = mappings.map((m) => {
      expect(m.FunctionName).toEqual(stageRef);
      expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      return m.EventSourceArn['Fn::GetAtt'][0] as string;
    });
    expect(sources.sort()).toEqual([logicalId(stack, stack.queues.jobs), logicalId(stack, stack.queues.uploads)].sort());
  });

  it('let only the bucket send upload events', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(stack, stack.queues.uploads) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId, 'Arn'] } } },
          }),
        ]),
      },
    });
  });
});
