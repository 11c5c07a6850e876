import { describe } from 'vitest';
import { useQueueTestKit, type JobQueueHarness } from './job-queue-kit.ts';
import { priorityAndLaneTests } from './job-queue-priority-lanes.ts';
import { recoveryTests } from './job-queue-recovery-cases.ts';
import { runningTests } from './job-queue-running-cases.ts';
import { laneVariants } from './job-queue-variants.ts';

export type { JobQueueHarness } from './job-queue-kit.ts';

export function jobQueueConformance(name: string, setup: () => Promise<JobQueueHarness>): void {
  describe(`JobQueue conformance: ${name}`, () => {
    const kit = useQueueTestKit(setup);
    for (const variant of laneVariants) {
      describe(variant.title, () => {
        runningTests(kit, variant);
        recoveryTests(kit, variant);
      });
    }
    describe('priorities and lanes', () => priorityAndLaneTests(kit));
  });
}
