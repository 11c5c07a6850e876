/**
 * The shapes of the AWS events vodkit's functions receive, as far as they read them (AWS's own
 * documented fields and names; everything else is passed through untouched).
 */

/** One message of an SQS batch given to a function. */
export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string | undefined>;
  messageAttributes: Record<string, { stringValue?: string; dataType: string } | undefined>;
  md5OfBody?: string;
  eventSource: string;
  eventSourceARN: string;
  awsRegion: string;
}

export interface SqsEvent {
  Records: SqsRecord[];
}

/** The answer of a function with ReportBatchItemFailures: the messages to deliver again. */
export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** An EventBridge event as a rule's target receives it. */
export interface EventBridgeEvent<D = unknown> {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: D;
}

/** The part of a function invocation's context vodkit reads. */
export interface LambdaContext {
  /** Milliseconds left before the function is stopped. */
  getRemainingTimeInMillis(): number;
}
