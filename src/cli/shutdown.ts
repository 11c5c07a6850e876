import type { Logger } from '../core/ports/logger.ts';
import { errorMessage } from '../core/errors.ts';

/**
 * SIGTERM/SIGINT: runs `stop` once (stop taking work, let running work finish or hand it back,
 * close connections) and exits 0. A second signal, or `stop` still running after `deadlineMs`,
 * exits 1 at once.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, deadlineMs: number): void {
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
      logger.error({ deadlineMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, deadlineMs);
    deadline.unref();
    stop().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
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
