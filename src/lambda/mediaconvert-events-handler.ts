import { finishEncode, type EncodeCompletion } from '../core/pipeline/finish-encode.ts';
import { transition } from '../core/videos/lifecycle.ts';
import type { EventBridgeEvent } from './aws-events.ts';
import { containerRuntime, type LambdaRuntime } from './lambda-runtime.ts';

/**
 * The encoder-events function (EventBridge rule on "MediaConvert Job State Change" of vodkit's
 * jobs): progress of a running ladder goes to its video; a COMPLETE or ERROR goes to the core's
 * finishEncode, which ignores a duplicate or a stale completion (another attempt's). Anything else
 * is ignored. An error thrown here makes EventBridge try again (its retry policy).
 */
export function createEncodeEventsHandler(runtime: () => Promise<LambdaRuntime>): (event: EventBridgeEvent) => Promise<void> {
  return async (event) => {
    const rt = await runtime();
    const { core } = rt;
    if (!rt.readEncodeEvent) throw new Error('this function needs an encoder that completes by event (VODKIT_ENCODER=mediaconvert)');
    const reading = rt.readEncodeEvent(event);
    const log = core.logger.child({ eventId: event.id });
    if (reading.kind === 'ignored') {
      log.debug({ reason: reading.reason }, 'encoder event ignored');
      return;
    }
    if (reading.kind === 'progress') {
      const { videoId, attemptId, fraction } = reading;
      // Only the ladder's progress is the video's (the first playable output is its prepare stage).
      if (reading.mode !== 'ladder') return;
      // EventBridge may deliver late or twice: progress never goes back.
      const progress = Math.min(0.99, Math.max(0, fraction));
      const video = await core.catalog.getVideo(videoId);
      if (!video || video.attemptId !== attemptId || progress <= video.progress) return;
      const done = await transition(core.catalog, videoId, 'progress', { progress }, { attemptId });
      if (!done.applied) log.debug({ videoId, attemptId, reason: done.reason }, 'progress of an encode the video has moved on from; ignored');
      return;
    }
    const outcome = await finishEncode({ catalog: core.catalog, media: core.media, logger: log }, endOfAttempt(reading.completion));
    log.info({ videoId: reading.completion.videoId, mode: reading.completion.mode, outcome }, 'encode finished');
  };
}

/**
 * A failed job ends its attempt: the job that submitted it is done, so no queue runs another one
 * by itself. A failure the service may not repeat (a transient error) leaves the video failed but
 * retryable (POST /api/v1/videos/:id/retry starts a new attempt); one of the file's own fails it
 * for good.
 */
function endOfAttempt(completion: EncodeCompletion): EncodeCompletion {
  return 'error' in completion ? { ...completion, final: true } : completion;
}

/** The function's entry point (bundled by the CDK stack). */
export const handler = createEncodeEventsHandler(containerRuntime);
