import type { Video } from './api.ts';

/**
 * `deleted`: the video is no longer listed for this viewer (deleted, or made private or unlisted by
 * its owner). `resync`: the stream was reconnected and changes may have been missed: fetch again.
 */
export type VideoEvent = { type: 'video'; video: Video } | { type: 'deleted'; id: string } | { type: 'resync' };
type Listener = (event: VideoEvent) => void;

/**
 * Live video changes from GET /api/v1/events (server-sent events). One connection is shared by
 * every subscriber and closed when the last one leaves; the browser reconnects on its own.
 */
export class VideoEvents {
  private source: EventSource | null = null;
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  close(): void {
    this.source?.close();
    this.source = null;
  }

  private open(): void {
    if (this.source) return;
    const source = new EventSource('/api/v1/events');
    source.addEventListener('video', (e) => {
      const video = parse<Video>((e as MessageEvent<string>).data);
      if (video?.id) this.emit({ type: 'video', video });
    });
    source.addEventListener('deleted', (e) => {
      const data = parse<{ id: string }>((e as MessageEvent<string>).data);
      if (data?.id) this.emit({ type: 'deleted', id: data.id });
    });
    let dropped = false;
    source.addEventListener('error', () => (dropped = true));
    source.addEventListener('open', () => {
      if (dropped) this.emit({ type: 'resync' });
      dropped = false;
    });
    this.source = source;
  }

  private emit(event: VideoEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

function parse<T>(data: string): T | null {
  try {
    return JSON.parse(data) as T;
  } catch {
    return null;
  }
}
