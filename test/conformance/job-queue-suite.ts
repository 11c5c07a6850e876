import { describe } from 'vitest';
import { commonCases } from './job-queue-common-cases.ts';
import { useQueueTestKit, type JobQueueHarness } from './job-queue-kit.ts';
import { priorityAndLaneTests } from './job-queue-priority-lanes.ts';
import { recoveryTests } from './job-queue-recovery-cases.ts';
import { runningTests } from './job-queue-running-cases.ts';
import { laneVariants } from './job-queue-variants.ts';
import { webhookJobCases, webhookLaneCases } from './job-queue-webhook-cases.ts';

export type { JobQueueHarness } from './job-queue-kit.ts';

/**
 * The JobQueue conformance suite: every adapter's test file runs it unchanged. The cases of a
 * capability (workers in this process, job lookup) run when the adapter's queue declares it, and
 * are skipped otherwise.
 */
export function jobQueueConformance(name: string, setup: () => Promise<JobQueueHarness>): void {
  describe(`JobQueue conformance: ${name}`, () => {
    const kit = useQueueTestKit(setup);
    describe('every queue', () => {
      commonCases(kit);
      webhookJobCases(kit);
    });
    describe('queues with workers and job lookup', () => {
      kit.requireCapabilities('workers', 'lookup');
      for (const variant of laneVariants) {
        describe(variant.title, () => {
          runningTests(kit, variant);
          recoveryTests(kit, variant);
        });
      }
      describe('priorities and lanes', () => {
        priorityAndLaneTests(kit);
        webhookLaneCases(kit);
      });
    });
  });
}
