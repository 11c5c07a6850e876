import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { UploadProgress, VodkitClient } from '../client/index.ts';
import { ValidationError } from '../core/errors.ts';
import { formatBytes, ProgressBar } from './progress-bar.ts';
import { addRemoteOptions, withRemote, type RemoteOptions } from './remote.ts';

interface UploadCommandOptions extends RemoteOptions {
  title?: string;
  visibility?: 'private' | 'unlisted' | 'public';
  wait?: boolean;
}

/** Ctrl-C: what was stopped, said to the person who pressed it. */
class Interrupted extends Error {
  constructor(message = 'interrupted; run the same command again to resume the upload (a large file continues where it stopped)') {
    super(message);
  }
}

/**
 * `vodkit upload <file...>`: uploads to a running server, one file after the other, and prints
 * each video's id (with --wait, then its watch URL once it plays). Large files go in parts; after
 * an interruption (Ctrl-C, a lost connection) the same command sends only what the server lacks.
 */
export function registerUploadCommand(program: Command): void {
  addRemoteOptions(
    program
      .command('upload <files...>')
      .description('upload videos to a running server and print their ids (run it again after an interruption to resume)')
      .option('--title <title>', 'the title (default: from the file name)')
      .addOption(new Option('--visibility <visibility>', 'who may watch (default private)').choices(['private', 'unlisted', 'public']))
      .option('--wait', 'wait until each video plays, with its processing progress, and print its watch URL'),
  ).action(async (files: string[], opts: UploadCommandOptions) => {
    for (const file of files) {
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) throw new ValidationError(`${file} is not a file`);
    }
    const stop = new AbortController();
    // Ctrl-C stops sending (the upload stays resumable); a second one ends at once.
    const onSigint = () => (stop.signal.aborted ? process.exit(130) : stop.abort(new Interrupted()));
    process.on('SIGINT', onSigint);
    try {
      await withRemote(opts, async (client) => {
        for (const file of files) await uploadOne(client, file, opts, stop.signal);
      });
    } catch (err) {
      if (!(err instanceof Interrupted)) throw err;
      process.stderr.write(`\nvodkit: ${err.message}\n`);
      process.exitCode = 130;
    } finally {
      process.off('SIGINT', onSigint);
    }
  });
}

async function uploadOne(client: VodkitClient, file: string, opts: UploadCommandOptions, signal: AbortSignal): Promise<void> {
  process.stderr.write(`${file}: uploading\n`);
  const bar = new ProgressBar(process.stderr, { bytes: true });
  let told = false;
  const onProgress = (p: UploadProgress) => {
    if (!told && p.resumedBytes > 0) process.stderr.write(`resuming: ${formatBytes(p.resumedBytes)} of ${formatBytes(p.total)} already on the server\n`);
    told = true;
    bar.update(p.loaded, p.total);
  };
  let uploaded: string | null = null;
  try {
    const video = await client.upload(file, { title: opts.title, visibility: opts.visibility, signal, onProgress });
    bar.done();
    uploaded = video.id;
    process.stdout.write(`${video.id}\n`);
    if (!opts.wait) return;
    process.stderr.write(`${file}: processing\n`);
    const processing = new ProgressBar(process.stderr);
    const { watchUrl } = await client.waitUntilPlayable(video.id, { signal, onProgress: (v) => processing.update(v.progress) });
    processing.done();
    process.stderr.write(`${file}: playable\n`);
    process.stdout.write(`${watchUrl}\n`);
  } catch (err) {
    bar.done();
    if (!signal.aborted) throw err;
    throw uploaded ? new Interrupted(`stopped waiting: ${file} is uploaded as ${uploaded} and goes on processing (vodkit videos get ${uploaded})`) : signal.reason;
  }
}
