/**
 * Whether the process that wrote a temp file or scratch folder is certainly gone, from the process id
 * in its name and its modification time. Used at start to remove what a killed process left behind,
 * without touching the files of other processes still at work on the same disk.
 */
const startedAtMs = Date.now() - process.uptime() * 1000;

export function writerIsGone(pid: number, mtimeMs: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  // A restarted container often gives the new process the old one's id: what that id wrote before
  // this process started was written by an earlier process.
  if (pid === process.pid) return mtimeMs < startedAtMs;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
