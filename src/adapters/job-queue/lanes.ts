import { jobLaneOf, jobPriorities, type JobLane, type JobPriority, type JobType, type QueueWorker } from '../../core/ports/job-queue.ts';

/** The job types of `lane`. */
export function jobTypesOf(lane: JobLane): JobType[] {
  return (Object.keys(jobLaneOf) as JobType[]).filter((type) => jobLaneOf[type] === lane);
}

/**
 * A priority as both adapters store it: 1 (high) first, as in BullMQ, where 0 would mean "no
 * priority" and go before every prioritized job.
 */
export function priorityRank(priority: JobPriority): number {
  return jobPriorities.indexOf(priority) + 1;
}

/** The priority of a stored rank; jobs stored before priorities existed (no rank) are 'normal'. */
export function priorityOfRank(rank: number | null | undefined): JobPriority {
  return jobPriorities[(rank ?? 0) - 1] ?? 'normal';
}

/** One worker per lane, stopped together: what work() returns for a worker serving several lanes. */
export function workerPerLane(lanes: readonly JobLane[], start: (lane: JobLane) => QueueWorker): QueueWorker {
  const workers = lanes.map(start);
  if (workers.length === 1) return workers[0];
  return {
    stop: async (options) => {
      await Promise.all(workers.map((worker) => worker.stop(options)));
    },
  };
}
