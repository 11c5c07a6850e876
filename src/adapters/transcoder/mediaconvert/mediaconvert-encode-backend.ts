import { CreateJobCommand, type MediaConvertClient } from '@aws-sdk/client-mediaconvert';
import { AbortedError, TransientError } from '../../../core/errors.ts';
import type { EncodeBackend, EncodeBackendCapabilities, EncodeEvents, EncodeRequest, EncodeSubmission } from '../../../core/ports/encode-backend.ts';
import { silentLogger, type Logger } from '../../../core/ports/logger.ts';
import { mapMediaConvertError } from './mediaconvert-errors.ts';
import { createJobRequest, type S3Locations } from './mediaconvert-job-settings.ts';

/**
 * EncodeBackend on AWS Elemental MediaConvert: `submit` creates a job (mediaconvert-job-settings.ts)
 * that reads the source from S3 and writes its outputs to S3 itself, and resolves as soon as
 * MediaConvert accepted it, with the job's id as `jobRef`. Its progress and its end come later as
 * EventBridge "MediaConvert Job State Change" events, read by job-state-event.ts and handed to the
 * core (progress, finishEncode) by the events function. Nothing is published before the job is
 * done (no early playable output), and no stream copy.
 */
export interface MediaConvertEncodeBackendOptions {
  client: MediaConvertClient;
  /** IAM role MediaConvert assumes for the job (from configuration). */
  roleArn: string;
  /** Queue ARN (from configuration); the account's default queue when absent. */
  queueArn?: string;
  /** S3 URIs of keys of the sources store and of the media store. */
  s3: S3Locations;
  /** Sources at least this long (seconds) allow accelerated transcoding (default 600). */
  accelerationMinSec?: number;
  logger?: Logger;
}

export class MediaConvertEncodeBackend implements EncodeBackend {
  readonly capabilities: EncodeBackendCapabilities = { completion: 'event', streamCopy: false, earlyPlayable: false, chunks: false };
  private readonly logger: Logger;

  constructor(private readonly options: MediaConvertEncodeBackendOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  async submit(request: EncodeRequest, _events: EncodeEvents): Promise<EncodeSubmission> {
    const input = createJobRequest(request, {
      roleArn: this.options.roleArn,
      queueArn: this.options.queueArn,
      s3: this.options.s3,
      accelerationMinSec: this.options.accelerationMinSec,
    });
    if (request.signal?.aborted) throw new AbortedError('the encode was aborted before its job was created');
    let jobId: string | undefined;
    try {
      const out = await this.options.client.send(new CreateJobCommand(input), { abortSignal: request.signal });
      jobId = out.Job?.Id;
    } catch (err) {
      throw mapMediaConvertError(err, 'createJob');
    }
    if (!jobId) throw new TransientError('MediaConvert accepted the job but returned no job id');
    this.logger.info(
      { videoId: request.videoId, attemptId: request.attemptId, mode: request.mode, jobId, accelerated: Boolean(input.AccelerationSettings) },
      'MediaConvert job created',
    );
    return { state: 'submitted', jobRef: jobId };
  }
}
