import type { Logger } from '../core/ports/logger.ts';
import { errorMessage } from '../core/errors.ts';

/** After `stopped`, how long the event loop may take to empty before the process exits anyway. */
export const EXIT_AFTER_STOP_MS = 2000;

/**
 * SIGTERM/SIGINT: runs `stop` once (stop taking work, let running work finish or hand it back,
 * close connections), logs `stopped` and exits 0. `stop` closes everything this process opened, so
 * the event loop empties and the process ends on its own; should anything still be open
 * `exitAfterStopMs` later (a socket, a timer, a child), it is logged and the process exits anyway.
 * A second signal, or `stop` still running after `deadlineMs`, exits 1 at once.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, deadlineMs: number, exitAfterStopMs = EXIT_AFTER_STOP_MS): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    process.stderr.write(`vodkit: ${signal} received, shutting down\n`);
    const deadline = setTimeout(() => {
      logger.error({ deadlineMs, open: openResources() }, 'shutdown took too long; exiting');
      process.exit(1);
    }, deadlineMs);
    deadline.unref();
    stop().then(
      () => {
        clearTimeout(deadline);
        logger.info({}, 'stopped');
        process.exitCode = 0;
        setTimeout(() => {
          logger.warn({ open: openResources() }, 'still open after stopping; exiting anyway');
          process.exit(0);
        }, exitAfterStopMs).unref();
      },
      (err: unknown) => {
        logger.error({ err: errorMessage(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}

/** What keeps the event loop alive, by kind and count (e.g. { TCPSocketWrap: 1, Timeout: 2 }). */
export function openResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}
