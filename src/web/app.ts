import type { User, Video } from './api.ts';
import type { VideoEvents } from './events.ts';

/** What every signed-in page gets from the shell. */
export interface App {
  user: User;
  events: VideoEvents;
  navigate(path: string, options?: { replace?: boolean }): void;
  toast(message: string, kind?: 'info' | 'error'): void;
  canUpload(): boolean;
  canManage(video: Video): boolean;
}

/** A page draws itself into `root` and returns what to undo when the user leaves it. */
export type Cleanup = () => void;
