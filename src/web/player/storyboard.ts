/**
 * Scrub previews: the storyboard's WebVTT map read into a hidden metadata text track labelled
 * "thumbnails", which media-chrome's seek bar shows over the hovered time. Each cue names a tile
 * of the sprite sheet relative to the map (`storyboard.jpg#xywh=x,y,w,h`); the tile is taken from
 * the view's own image URL instead, which carries the authorization (a relative URL would lose
 * the token or the CDN signature of the map's URL).
 */
export async function loadStoryboard(video: HTMLVideoElement, storyboard: { vtt: string; image: string }, signal: AbortSignal): Promise<void> {
  let text: string;
  try {
    const response = await fetch(storyboard.vtt, { signal, credentials: 'same-origin' });
    if (!response.ok) return;
    text = await response.text();
  } catch {
    return; // no previews: the seek bar still works
  }
  if (signal.aborted) return;
  const track = video.addTextTrack('metadata', 'thumbnails');
  track.mode = 'hidden';
  for (const cue of parseStoryboardVtt(text)) {
    track.addCue(new VTTCue(cue.start, cue.end, `${storyboard.image.split('#')[0]}#xywh=${cue.xywh.join(',')}`));
  }
  video.dataset.storyboardTiles = String(track.cues?.length ?? 0);
}

export interface StoryboardCue {
  start: number;
  end: number;
  xywh: [number, number, number, number];
}

/** The cues of a storyboard map: a time range and the `#xywh=` tile of each; other cues are skipped. */
export function parseStoryboardVtt(text: string): StoryboardCue[] {
  const cues: StoryboardCue[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const timing = /^\s*([\d:.]+)\s+-->\s+([\d:.]+)/.exec(lines[i]);
    if (!timing) continue;
    const fragment = /#xywh=(\d+),(\d+),(\d+),(\d+)/.exec(lines[i + 1] ?? '');
    const start = seconds(timing[1]);
    const end = seconds(timing[2]);
    if (!fragment || start === null || end === null) continue;
    cues.push({ start, end, xywh: [Number(fragment[1]), Number(fragment[2]), Number(fragment[3]), Number(fragment[4])] });
  }
  return cues;
}

/** A WebVTT timestamp (`hh:mm:ss.ttt` or `mm:ss.ttt`) in seconds. */
function seconds(stamp: string): number | null {
  const parts = stamp.split(':').map(Number);
  if (parts.some((p) => !Number.isFinite(p)) || parts.length < 2 || parts.length > 3) return null;
  return parts.reduce((total, p) => total * 60 + p, 0);
}
