import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AlarmsProps {
  /** Dead-letter queues, by a name used in the alarm's description. */
  readonly deadLetterQueues: Record<string, sqs.IQueue>;
  /** ARN of the stack's MediaConvert queue. */
  readonly mediaConvertQueueArn: string;
  /** Subscribed to the alarm topic when given. */
  readonly alarmEmail?: string;
}

/**
 * The deployment's alarms:
 * - one per dead-letter queue, as soon as it holds a message (an upload event, a job or a
 *   MediaConvert state change that vodkit could not handle: a video is stuck until someone looks);
 * - MediaConvert errors: MediaConvert's own `JobsErroredCount` metric for the stack's queue (its
 *   `Queue` dimension is the queue's ARN), above zero in five minutes. This counts every job that
 *   ended in ERROR, bad inputs included, without depending on how the events function logs.
 * With `alarmEmail`, an SNS topic (SSL only) mails alarm and recovery notices.
 */
export class Alarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly topic?: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.alarms.push(
        new cloudwatch.Alarm(this, `${name}DeadLetters`, {
          alarmDescription: `vodkit: messages in the ${name} dead-letter queue (${queue.queueName}); they were not processed`,
          metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    this.alarms.push(
      new cloudwatch.Alarm(this, 'MediaConvertErrors', {
        alarmDescription: 'vodkit: MediaConvert jobs ended in ERROR (see the events function logs for the video)',
        metric: new cloudwatch.Metric({
          namespace: 'AWS/MediaConvert',
          metricName: 'JobsErroredCount',
          dimensionsMap: { Queue: props.mediaConvertQueueArn },
          statistic: 'Sum',
          period: Duration.minutes(5),
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );

    if (props.alarmEmail) {
      this.topic = new sns.Topic(this, 'Topic', {
        displayName: 'vodkit alarms',
        enforceSSL: true,
      });
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(new actions.SnsAction(this.topic));
        alarm.addOkAction(new actions.SnsAction(this.topic));
      }
    }
  }
}
