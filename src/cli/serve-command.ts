import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { startMetricsServer } from '../http/metrics.ts';
import { dataDirOption } from './options.ts';
import { runtimeFromCli } from './runtime-from-cli.ts';
import { onShutdown } from './shutdown.ts';
import { ValidationError } from '../core/errors.ts';

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
      // The HTTP server's modules (fastify, the OpenAPI document) are loaded by the commands that
      // serve, not by every command: `vodkit tokens list` starts without them.
      const { buildHttpApp } = await import('../http/app.ts');
      const { recoverPending } = await import('../core/pipeline/recover-pending.ts');
      const app = await buildHttpApp(rt, { webRoot: WEB_ROOT });
      // Listen before starting any work: a port that cannot be had ends the command at once.
      let address: string;
      try {
        address = await app.listen({ port: rt.config.port, host: rt.config.host });
      } catch (err) {
        await app.close().catch(() => {});
        await rt.close();
        throw listenError(err, rt.config.port, rt.config.host, '--port or VODKIT_PORT');
      }
      try {
        await recoverPending({ ...rt, objectCreated: rt.objectCreated });
        if (rt.config.runWorker && rt.config.workerConcurrency > 0) await rt.startWorker();
        rt.maintenance.start(rt.config.maintenanceIntervalSec * 1000);
      } catch (err) {
        // A start that fails once listening (no ffmpeg...) ends the command with its reason, nothing left open.
        await app.close().catch(() => {});
        await rt.close();
        throw err;
      }
      rt.logger.info({ address, dataDir: rt.config.dataDir, worker: rt.config.runWorker }, 'vodkit is serving');
      process.stdout.write(`vodkit serving on ${address} (data in ${rt.config.dataDir})\n`);
      const graceMs = rt.config.shutdownGraceSec * 1000;
      onShutdown(
        rt.logger,
        async () => {
          // New requests get 503; event streams end; idle keep-alive connections close; requests in
          // flight may finish within the grace time, then their connections are closed too. Running
          // jobs finish or go back to the queue.
          const closeConnections = setTimeout(() => app.server.closeAllConnections(), graceMs);
          try {
            await Promise.all([rt.stopWorkers(graceMs), app.close()]);
          } finally {
            clearTimeout(closeConnections);
          }
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
      // The metrics port first: one that cannot be had ends the command at once.
      let metrics: Awaited<ReturnType<typeof startMetricsServer>> | null = null;
      try {
        if (rt.config.metricsPort !== undefined) metrics = await (await import('../http/metrics.ts')).startMetricsServer(rt.metrics, rt.config.metricsPort, rt.config.host);
        await rt.startWorker();
      } catch (err) {
        metrics?.server.close();
        await rt.close();
        throw listenError(err, rt.config.metricsPort ?? 0, rt.config.host, '--metrics-port or VODKIT_METRICS_PORT');
      }
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

/** What a failed listen means to the person who started vodkit. */
function listenError(err: unknown, port: number, host: string, portSetting: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') return new ValidationError(`port ${port} is in use: set ${portSetting}`);
  if (code === 'EACCES') return new ValidationError(`port ${port} needs privileges this user does not have: set ${portSetting}`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new ValidationError(`cannot listen on ${host}: no such address on this machine; set --host or VODKIT_HOST`);
  return err;
}
