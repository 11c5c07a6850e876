import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildHttpApp } from '../http/app.ts';
import { startMetricsServer } from '../http/metrics.ts';
import { recoverPending } from '../core/pipeline/recover-pending.ts';
import { dataDirOption } from './main.ts';
import { runtimeFromCli } from './runtime-from-cli.ts';
import { onShutdown } from './shutdown.ts';

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
      rt.maintenance.start(rt.config.maintenanceIntervalSec * 1000);
      const address = await app.listen({ port: rt.config.port, host: rt.config.host });
      rt.logger.info({ address, dataDir: rt.config.dataDir, worker: rt.config.runWorker }, 'vodkit is serving');
      process.stdout.write(`vodkit serving on ${address} (data in ${rt.config.dataDir})\n`);
      const graceMs = rt.config.shutdownGraceSec * 1000;
      onShutdown(
        rt.logger,
        async () => {
          // New requests get 503 while in-flight ones finish; running jobs finish or go back to the queue.
          await Promise.all([rt.stopWorkers(graceMs), app.close()]);
          await rt.close();
        },
        graceMs + 15_000,
      );
    });

  program
    .command('worker')
    .description('run transcode workers only (for clusters: shared storage, database and queue)')
    .addOption(dataDirOption())
    .option('--concurrency <n>', 'transcode jobs at once (env VODKIT_WORKER_CONCURRENCY, default 1)')
    .option('--metrics-port <port>', 'serve /metrics and /healthz on this port (env VODKIT_METRICS_PORT; default: none)')
    .action(async (opts) => {
      const rt = await runtimeFromCli({ dataDir: opts.dataDir, workerConcurrency: opts.concurrency, metricsPort: opts.metricsPort });
      await rt.startWorker();
      const metrics = rt.config.metricsPort === undefined ? null : await startMetricsServer(rt.metrics, rt.config.metricsPort, rt.config.host);
      rt.logger.info({ concurrency: rt.config.workerConcurrency, metrics: metrics?.address ?? null }, 'vodkit worker started');
      const graceMs = rt.config.shutdownGraceSec * 1000;
      onShutdown(
        rt.logger,
        async () => {
          // Take no new jobs; a running one may finish within the grace time, else it goes back to the queue.
          await rt.stopWorkers(graceMs);
          metrics?.server.close();
          await rt.close();
        },
        graceMs + 15_000,
      );
    });
}
