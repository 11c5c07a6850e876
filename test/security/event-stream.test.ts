import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createFakeVideo } from './support/fake-video.ts';

type Who = 'viewer' | 'other uploader' | 'owner' | 'admin';
const WHO: Who[] = ['viewer', 'other uploader', 'owner', 'admin'];

interface SseEvent {
  event: string;
  id: string;
  data: Record<string, unknown>;
}

/** A subscriber of GET /api/v1/events over real HTTP, collecting every event it is sent. */
class Subscriber {
  readonly events: SseEvent[] = [];
  private readonly abort = new AbortController();
  private failure: Error | null = null;

  private constructor(readonly who: Who) {}

  static async open(url: string, token: string, who: Who): Promise<Subscriber> {
    const s = new Subscriber(who);
    const res = await fetch(`${url}/api/v1/events`, { headers: { Authorization: `Bearer ${token}` }, signal: s.abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    void s.read(res.body!);
    return s;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
          }
          const event = fields.get('event');
          const data = fields.get('data');
          if (event && data) {
            const parsed = JSON.parse(data) as Record<string, unknown>;
            this.events.push({ event, id: String(parsed.id), data: parsed });
          }
        }
      }
    } catch (err) {
      if (!this.abort.signal.aborted) this.failure = err instanceof Error ? err : new Error(String(err));
    }
  }

  has(event: string, id: string, match: (data: Record<string, unknown>) => boolean = () => true): boolean {
    if (this.failure) throw this.failure;
    return this.events.some((e) => e.event === event && e.id === id && match(e.data));
  }

  /** Waits until an event arrives (the feed looks at the catalog once a second). */
  async waitFor(event: string, id: string, match?: (data: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.has(event, id, match)) {
      if (Date.now() > end) throw new Error(`${this.who} got no ${event} for ${id}; got ${JSON.stringify(this.summary())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  summary(): string[] {
    return this.events.map((e) => `${e.event} ${e.id}${e.event === 'video' ? ` ${e.data.visibility} ${e.data.title}` : ''}`);
  }

  close(): void {
    this.abort.abort();
  }
}

/**
 * The change feed tells each subscriber only about videos its lists show: what another user's
 * private or unlisted video does (created, renamed, deleted) reaches its owner and admins only,
 * and a video that stops being listed to someone reaches them as a removal.
 */
describe('event stream: each subscriber hears only about videos it may list', () => {
  let server: TestServer;
  const tokens = {} as Record<Who, string>;
  let ownerId: string;
  const subscribers: Subscriber[] = [];

  beforeAll(async () => {
    server = await startTestServer({ worker: false });
    const owner = await server.createUser('uploader');
    ownerId = owner.id;
    tokens.owner = owner.token;
    tokens.viewer = (await server.createUser('viewer')).token;
    tokens['other uploader'] = (await server.createUser('uploader')).token;
    tokens.admin = (await server.createUser('admin')).token;
  });
  afterAll(async () => {
    for (const s of subscribers) s.close();
    await server?.stop();
  });

  it('viewer, another uploader, the owner and an admin each get what they may see, as it changes', async () => {
    const sub = {} as Record<Who, Subscriber>;
    for (const who of WHO) subscribers.push((sub[who] = await Subscriber.open(server.url, tokens[who], who)));
    const owner = new ApiClient(server.url, tokens.owner);

    // 1. The owner has a public, an unlisted and a private video.
    const pub = await createFakeVideo(server, { ownerId, visibility: 'public', title: 'public, soon private' });
    const unlisted = await createFakeVideo(server, { ownerId, visibility: 'unlisted', title: 'unlisted' });
    const priv = await createFakeVideo(server, { ownerId, visibility: 'private', title: 'private' });
    for (const who of WHO) await sub[who].waitFor('video', pub.id, (d) => d.visibility === 'public');
    for (const who of ['owner', 'admin'] as Who[]) {
      await sub[who].waitFor('video', unlisted.id);
      await sub[who].waitFor('video', priv.id);
    }

    // 2. The owner makes the public video private, renames the unlisted one, deletes the private one.
    expect((await owner.request('PATCH', `/api/v1/videos/${pub.id}`, { visibility: 'private' })).status).toBe(200);
    expect((await owner.request('PATCH', `/api/v1/videos/${unlisted.id}`, { title: 'unlisted, renamed' })).status).toBe(200);
    expect((await owner.request('DELETE', `/api/v1/videos/${priv.id}`)).status).toBe(204);
    for (const who of ['owner', 'admin'] as Who[]) {
      await sub[who].waitFor('video', pub.id, (d) => d.visibility === 'private');
      await sub[who].waitFor('video', unlisted.id, (d) => d.title === 'unlisted, renamed');
      await sub[who].waitFor('deleted', priv.id);
    }
    // Those who listed the public video hear that it is gone from their lists.
    for (const who of ['viewer', 'other uploader'] as Who[]) await sub[who].waitFor('deleted', pub.id);

    // 3. A public video everyone lists: once everyone has heard of it, everything said about the
    //    changes above has been said.
    const marker = await createFakeVideo(server, { ownerId: null, visibility: 'public', title: 'marker' });
    for (const who of WHO) await sub[who].waitFor('video', marker.id);

    for (const who of ['viewer', 'other uploader'] as Who[]) {
      const about = (id: string) => sub[who].events.filter((e) => e.id === id).map((e) => `${e.event} ${String(e.data.visibility ?? '')}`.trim());
      expect(about(pub.id), who).toEqual(['video public', 'deleted']);
      expect(about(unlisted.id), who).toEqual([]);
      expect(about(priv.id), who).toEqual([]);
      // Nothing at all about the owner's other videos, by any field.
      const text = JSON.stringify(sub[who].events);
      expect(text, who).not.toContain(priv.id);
      expect(text, who).not.toContain(unlisted.id);
    }
    for (const who of ['owner', 'admin'] as Who[]) {
      expect(sub[who].has('deleted', pub.id), who).toBe(false);
      expect(sub[who].has('deleted', unlisted.id), who).toBe(false);
    }
  });
});
