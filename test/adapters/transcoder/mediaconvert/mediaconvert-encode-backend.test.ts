import {
  BadRequestException,
  CreateJobCommand,
  ForbiddenException,
  InternalServerErrorException,
  MediaConvertClient,
  TooManyRequestsException,
} from '@aws-sdk/client-mediaconvert';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaConvertEncodeBackend } from '../../../../src/adapters/transcoder/mediaconvert/mediaconvert-encode-backend.ts';
import { createJobRequest } from '../../../../src/adapters/transcoder/mediaconvert/mediaconvert-job-settings.ts';
import { AbortedError, isPermanent, TransientError, ValidationError } from '../../../../src/core/errors.ts';
import type { EncodeEvents } from '../../../../src/core/ports/encode-backend.ts';
import { LANDSCAPE_1080P, ladderRequest, OPTIONS } from './fixtures.ts';

const mediaConvert = mockClient(MediaConvertClient);
afterEach(() => mediaConvert.reset());

const events: EncodeEvents = {
  progress: () => {},
  playable: async () => {
    throw new Error('MediaConvert publishes nothing early');
  },
};

function backend() {
  return new MediaConvertEncodeBackend({
    client: new MediaConvertClient({ region: 'us-west-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    roleArn: OPTIONS.roleArn,
    queueArn: OPTIONS.queueArn,
    s3: OPTIONS.s3,
  });
}

const meta = { $metadata: {} };

describe('MediaConvertEncodeBackend', () => {
  it('declares completion by event, no stream copy, no early playable output', () => {
    expect(backend().capabilities).toEqual({ completion: 'event', streamCopy: false, earlyPlayable: false, chunks: false });
  });

  it('submit creates the job of the request and resolves with its id', async () => {
    mediaConvert.on(CreateJobCommand).resolves({ Job: { Id: '1671477617078-2886ye', Role: OPTIONS.roleArn, Settings: {} } });
    const request = ladderRequest(LANDSCAPE_1080P);
    await expect(backend().submit(request, events)).resolves.toEqual({ state: 'submitted', jobRef: '1671477617078-2886ye' });
    const calls = mediaConvert.commandCalls(CreateJobCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual(createJobRequest(request, OPTIONS));
  });

  it('refuses stream copy without calling MediaConvert', async () => {
    await expect(backend().submit(ladderRequest(LANDSCAPE_1080P, { mode: 'copy' }), events)).rejects.toBeInstanceOf(ValidationError);
    expect(mediaConvert.commandCalls(CreateJobCommand)).toHaveLength(0);
  });

  it('a refused job (BadRequestException) is a permanent ValidationError with a sentence without S3 URIs', async () => {
    mediaConvert.on(CreateJobCommand).rejects(
      new BadRequestException({ ...meta, message: '/outputGroups/0/outputs/0/videoDescription/width: Should be at least 32 (s3://vodkit-bucket/media/x/master)' }),
    );
    const err = await backend().submit(ladderRequest(LANDSCAPE_1080P), events).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(isPermanent(err)).toBe(true);
    expect((err as Error).message).toMatch(/^MediaConvert refused the job for this file: .*Should be at least 32/);
    expect((err as Error).message).not.toContain('s3://');
  });

  it('throttling, service errors and missing permissions are transient', async () => {
    for (const error of [
      new TooManyRequestsException({ ...meta, message: 'Too Many Requests' }),
      new InternalServerErrorException({ ...meta, message: 'Internal error' }),
      new ForbiddenException({ ...meta, message: 'not authorized to perform iam:PassRole' }),
    ]) {
      mediaConvert.on(CreateJobCommand).rejects(error);
      const err = await backend().submit(ladderRequest(LANDSCAPE_1080P), events).catch((e: unknown) => e);
      expect(err, error.name).toBeInstanceOf(TransientError);
      expect(isPermanent(err)).toBe(false);
      mediaConvert.reset();
    }
  });

  it('a job without an id is transient; an aborted request creates no job', async () => {
    mediaConvert.on(CreateJobCommand).resolves({});
    await expect(backend().submit(ladderRequest(LANDSCAPE_1080P), events)).rejects.toBeInstanceOf(TransientError);
    mediaConvert.reset();
    const signal = AbortSignal.abort();
    await expect(backend().submit(ladderRequest(LANDSCAPE_1080P, { signal }), events)).rejects.toBeInstanceOf(AbortedError);
    expect(mediaConvert.commandCalls(CreateJobCommand)).toHaveLength(0);
  });
});
