import type { Command } from 'commander';
import type { VideoListItem, VodkitClient } from '../client/index.ts';
import { formatBytes, formatDuration } from './progress-bar.ts';
import { addRemoteOptions, withRemote, type RemoteOptions } from './remote.ts';
import { table } from './table.ts';

/** `vodkit videos list|get|delete` against a running server, as the token's user sees them. */
export function registerVideosCommand(program: Command): void {
  const videos = program.command('videos').description('videos on a running server (--server, --token)');
  addRemoteOptions(videos.command('list').description('list the videos: id, status, visibility, duration, title').option('--json', 'print them as JSON')).action(
    async (opts: RemoteOptions & { json?: boolean }) => {
      await withRemote(opts, async (client) => {
        const items = await allVideos(client);
        if (opts.json) process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
        else process.stdout.write(table(['ID', 'STATUS', 'VISIBILITY', 'DURATION', 'TITLE'], items.map((v) => [v.id, statusText(v), v.visibility, duration(v), v.title])));
      });
    },
  );
  addRemoteOptions(videos.command('get <id>').description("a video's state and where to watch it").option('--json', 'print the API view as JSON')).action(
    async (id: string, opts: RemoteOptions & { json?: boolean }) => {
      await withRemote(opts, async (client) => {
        const video = await client.videos.get(id);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(video, null, 2)}\n`);
          return;
        }
        const rows: Array<[string, string]> = [
          ['id', video.id],
          ['title', video.title],
          ['status', statusText(video)],
          ['visibility', video.visibility],
          ['duration', duration(video)],
          ['size', video.sizeBytes === null ? '-' : formatBytes(video.sizeBytes)],
          ['created', video.createdAt],
          ['watch', client.watchUrl(video.id)],
          ['hls', video.playback.hls ?? '-'],
        ];
        if (video.error) rows.push(['error', video.error]);
        process.stdout.write(rows.map(([k, v]) => `${k.padEnd(11)}${v}\n`).join(''));
      });
    },
  );
  addRemoteOptions(videos.command('delete <id>').description('delete a video and its files')).action(async (id: string, opts: RemoteOptions) => {
    await withRemote(opts, async (client) => {
      await client.videos.delete(id);
      process.stdout.write(`deleted ${id}\n`);
    });
  });
}

async function allVideos(client: VodkitClient): Promise<VideoListItem[]> {
  const items: VideoListItem[] = [];
  let cursor: string | null = null;
  do {
    const page = await client.videos.list(cursor ? { limit: 100, cursor } : { limit: 100 });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

function statusText(video: VideoListItem): string {
  if (video.status === 'processing' || video.status === 'queued') return `${video.status} ${Math.round(video.progress * 100)}%${video.playable ? ' (playable)' : ''}`;
  return video.status;
}

function duration(video: VideoListItem): string {
  return video.durationSec === null ? '-' : formatDuration(video.durationSec);
}
