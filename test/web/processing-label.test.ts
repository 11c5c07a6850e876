import { describe, expect, it } from 'vitest';
import { processingLabel } from '../../src/web/format.ts';

describe('the processing label of a video', () => {
  it('says a playable video is improving its quality, with the ladder progress', () => {
    expect(processingLabel({ status: 'processing', progress: 0.4, playable: true })).toBe('Playable · improving quality 40%');
    expect(processingLabel({ status: 'processing', progress: 0, playable: true })).toBe('Playable · improving quality 0%');
  });

  it('says processing with a percentage while nothing plays yet', () => {
    expect(processingLabel({ status: 'processing', progress: 0.257, playable: false })).toBe('Processing 25%');
  });

  it('has nothing to add for ready, failed, uploading or waiting videos', () => {
    expect(processingLabel({ status: 'ready', progress: 1, playable: true })).toBeNull();
    expect(processingLabel({ status: 'failed', progress: 0.3, playable: false })).toBeNull();
    expect(processingLabel({ status: 'uploading', progress: 0, playable: false })).toBeNull();
    expect(processingLabel({ status: 'queued', progress: 0, playable: false })).toBeNull();
  });

  it('keeps the percentage between 0 and 100', () => {
    expect(processingLabel({ status: 'processing', progress: 1.7, playable: true })).toBe('Playable · improving quality 100%');
    expect(processingLabel({ status: 'processing', progress: -1, playable: false })).toBe('Processing 0%');
  });
});
