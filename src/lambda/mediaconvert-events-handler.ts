import { applyEncodeEvent } from '../core/pipeline/encode-event.ts';
import type { EventBridgeEvent } from './aws-events.ts';
import { containerRuntime, type LambdaRuntime } from './lambda-runtime.ts';

/**
 * The encoder-events function (EventBridge rule on "MediaConvert Job State Change" of vodkit's
 * jobs): the event, as the encoder's adapter reads it, goes to the core's applyEncodeEvent:
 * progress of a running ladder to its video, a COMPLETE or ERROR to finishEncode (which ignores a
 * duplicate or a stale completion), a failed encode with attempts left back to the job queue.
 * Anything else is ignored. An error thrown here makes EventBridge try again.
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
    const outcome = await applyEncodeEvent({ catalog: core.catalog, media: core.media, queue: core.queue, logger: log }, reading);
    if (reading.kind === 'completion') log.info({ videoId: reading.completion.videoId, mode: reading.completion.mode, outcome }, 'encode finished');
    else if (outcome === 'ignored') log.debug({ videoId: reading.videoId, attemptId: reading.attemptId }, 'progress of an encode the video has moved on from; ignored');
  };
}

/** The function's entry point (bundled by the CDK stack). */
export const handler = createEncodeEventsHandler(containerRuntime);
