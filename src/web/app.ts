import type { User, Video } from './api.ts';
import type { VideoEvents } from './events.ts';
import type { UploadPanel } from './upload/upload-panel.ts';

/** What every page gets from the shell. */
export interface App {
  /** Null for a signed-out visitor (who can only open the watch page of a public video). */
  user: User | null;
  events: VideoEvents;
  navigate(path: string, options?: { replace?: boolean }): void;
  toast(message: string, kind?: 'info' | 'error'): void;
  canUpload(): boolean;
  /** The session's upload panel (uploads continue across pages); null for accounts that cannot upload. */
  uploads(): UploadPanel | null;
  canManage(video: Video): boolean;
}

/** A page draws itself into `root` and returns what to undo when the user leaves it. */
export type Cleanup = () => void;
