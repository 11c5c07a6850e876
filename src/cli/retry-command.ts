import type { Command } from 'commander';
import { ADMIN_TOKEN_PRINCIPAL } from '../core/access/principal.ts';
import { errorMessage, ValidationError } from '../core/errors.ts';
import type { Runtime } from '../config/compose.ts';
import { dataDirOption } from './options.ts';
import { runtimeFromCli } from './runtime-from-cli.ts';

/** `vodkit retry <id>` / `vodkit retry --all-failed`: runs failed transcodes again from their stored source. */
export function registerRetryCommand(program: Command): void {
  program
    .command('retry [id]')
    .description('transcode a failed video again (or every failed video with --all-failed)')
    .addOption(dataDirOption())
    .option('--all-failed', 'retry every failed video whose source is still stored')
    .action(async (id: string | undefined, opts) => {
      if (!id && !opts.allFailed) throw new ValidationError('give a video id, or --all-failed');
      if (id && opts.allFailed) throw new ValidationError('give a video id or --all-failed, not both');
      const rt = await runtimeFromCli({ dataDir: opts.dataDir }, true);
      try {
        if (id) {
          const video = await rt.videos.retry(id, ADMIN_TOKEN_PRINCIPAL);
          process.stdout.write(`queued ${video.id} ${JSON.stringify(video.title)}\n`);
          return;
        }
        const { queued, skipped } = await retryAllFailed(rt);
        process.stdout.write(`${queued} queued, ${skipped} skipped\n`);
      } finally {
        await rt.close();
      }
    });
}

async function retryAllFailed(rt: Runtime): Promise<{ queued: number; skipped: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await rt.catalog.listVideos({ limit: 100, cursor, status: ['failed'] });
    ids.push(...page.items.map((v) => v.id));
    cursor = page.nextCursor;
  } while (cursor);
  let queued = 0;
  let skipped = 0;
  for (const id of ids) {
    try {
      const video = await rt.videos.retry(id, ADMIN_TOKEN_PRINCIPAL);
      process.stdout.write(`queued ${video.id} ${JSON.stringify(video.title)}\n`);
      queued++;
    } catch (err) {
      process.stdout.write(`skipped ${id}: ${errorMessage(err)}\n`);
      skipped++;
    }
  }
  return { queued, skipped };
}
