import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildHttpApp } from '../http/app.ts';
import { recoverPending } from '../core/pipeline/recover-pending.ts';
import { dataDirOption } from './main.ts';
import { runtimeFromCli } from './runtime-from-cli.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web-dist', import.meta.url));

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('run the API, the web app and (unless --no-worker) a transcode worker')
    .addOption(dataDirOption())
    .option('--port <port>', 'port to listen on (env VODKIT_PORT, default 8080; 0 = any free port)')
    .option('--host <host>', 'address to listen on (env VODKIT_HOST, default 127.0.0.1)')
    .option('--no-worker', 'API only: leave transcoding to `vodkit worker` processes')
    .option('--concurrency <n>', 'transcode jobs at once in this process (env VODKIT_WORKER_CONCURRENCY, default 1)')
    .action(async (opts) => {
      const rt = await runtimeFromCli({
        dataDir: opts.dataDir,
        port: opts.port,
        host: opts.host,
        runWorker: opts.worker === false ? 'false' : undefined,
        workerConcurrency: opts.concurrency,
      });
      const app = await buildHttpApp(rt, { webRoot: WEB_ROOT });
      await recoverPending({ ...rt, objectCreated: rt.objectCreated });
      if (rt.config.runWorker && rt.config.workerConcurrency > 0) await rt.startWorker();
      const address = await app.listen({ port: rt.config.port, host: rt.config.host });
      rt.logger.info({ address, dataDir: rt.config.dataDir, worker: rt.config.runWorker }, 'vodkit is serving');
      process.stdout.write(`vodkit serving on ${address} (data in ${rt.config.dataDir})\n`);
      onShutdown(async () => {
        await app.close();
        await rt.close();
      });
    });

  program
    .command('worker')
    .description('run transcode workers only (for clusters: shared storage, database and queue)')
    .addOption(dataDirOption())
    .option('--concurrency <n>', 'transcode jobs at once (env VODKIT_WORKER_CONCURRENCY, default 1)')
    .action(async (opts) => {
      const rt = await runtimeFromCli({ dataDir: opts.dataDir, workerConcurrency: opts.concurrency });
      await rt.startWorker();
      rt.logger.info({ concurrency: rt.config.workerConcurrency }, 'vodkit worker started');
      onShutdown(() => rt.close(), async () => {
        // graceful: stop taking jobs and hand back running ones (they are retried elsewhere)
        await rt.close();
      });
    });
}

/** SIGTERM/SIGINT: stop taking work, close everything, exit. A second signal exits at once. */
function onShutdown(close: () => Promise<void>, graceful: () => Promise<void> = close): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`vodkit: ${signal} received, shutting down\n`);
    try {
      await graceful();
    } finally {
      process.exit(0);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
