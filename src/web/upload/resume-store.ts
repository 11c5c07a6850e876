/**
 * Unfinished multipart uploads, remembered in localStorage so that picking the same file again
 * (after a dropped connection, a closed tab or a reload) continues where the server left off.
 * A file is "the same" when its name, size and last-modified time match.
 */

export interface ResumeRecord {
  videoId: string;
  uploadId: string;
  name: string;
  size: number;
  lastModified: number;
  partSize: number;
  title: string;
  savedAt: string;
}

const KEY = 'vodkit.unfinishedUploads';
/** Servers forget abandoned uploads eventually; so do we. */
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export function listResumable(): ResumeRecord[] {
  let records: ResumeRecord[] = [];
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    if (Array.isArray(parsed)) records = parsed.filter(isRecord);
  } catch {
    records = [];
  }
  const fresh = records.filter((r) => Date.now() - Date.parse(r.savedAt) < MAX_AGE_MS);
  if (fresh.length !== records.length) write(fresh);
  return fresh;
}

export function findResumable(file: File): ResumeRecord | null {
  return listResumable().find((r) => r.name === file.name && r.size === file.size && r.lastModified === file.lastModified) ?? null;
}

export function saveResumable(record: ResumeRecord): void {
  write([...listResumable().filter((r) => r.videoId !== record.videoId), record]);
}

export function forgetResumable(videoId: string): void {
  write(listResumable().filter((r) => r.videoId !== videoId));
}

function write(records: ResumeRecord[]): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(records));
  } catch {
    // storage full or disabled: uploads still work, they just cannot resume after a reload
  }
}

function isRecord(value: unknown): value is ResumeRecord {
  const r = value as ResumeRecord;
  return (
    !!r &&
    typeof r.videoId === 'string' &&
    typeof r.uploadId === 'string' &&
    typeof r.name === 'string' &&
    typeof r.size === 'number' &&
    typeof r.lastModified === 'number' &&
    typeof r.partSize === 'number' &&
    typeof r.savedAt === 'string'
  );
}
