import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Unfinished multipart uploads, remembered in `<stateDir>/uploads.json` so that uploading the same
 * file to the same server again continues where it stopped. A file is "the same" when its path,
 * size and modification time match.
 */
export interface ResumeRecord {
  server: string;
  path: string;
  size: number;
  mtimeMs: number;
  videoId: string;
  uploadId: string;
  partSize: number;
  /** ETags of the parts sent, by part number. */
  parts: Record<string, string>;
  savedAt: string;
}

/** Servers forget abandoned uploads eventually; so do we. */
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export class ResumeRecords {
  private readonly file: string;
  /** Writes one after the other, so that parallel parts never lose each other's ETags. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {
    this.file = join(dir, 'uploads.json');
  }

  async find(key: Pick<ResumeRecord, 'server' | 'path' | 'size' | 'mtimeMs'>): Promise<ResumeRecord | null> {
    const records = await this.read();
    return records.find((r) => r.server === key.server && r.path === key.path && r.size === key.size && r.mtimeMs === key.mtimeMs) ?? null;
  }

  save(record: ResumeRecord): Promise<void> {
    return this.change((records) => [...records.filter((r) => r.videoId !== record.videoId), { ...record, savedAt: new Date().toISOString() }]);
  }

  forget(videoId: string): Promise<void> {
    return this.change((records) => records.filter((r) => r.videoId !== videoId));
  }

  private change(edit: (records: ResumeRecord[]) => ResumeRecord[]): Promise<void> {
    const next = this.queue.then(async () => {
      const records = edit(await this.read());
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const temp = `${this.file}.${process.pid}.tmp`;
      await writeFile(temp, `${JSON.stringify(records, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, this.file);
    });
    this.queue = next.catch(() => {});
    return next;
  }

  private async read(): Promise<ResumeRecord[]> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.file, 'utf8'));
    } catch {
      return [];
    }
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((r: ResumeRecord) => typeof r?.videoId === 'string' && typeof r.uploadId === 'string' && Date.now() - Date.parse(r.savedAt) < MAX_AGE_MS);
  }
}
