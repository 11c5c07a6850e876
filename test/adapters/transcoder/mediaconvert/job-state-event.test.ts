import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJobStateEvent, type JobStateReading } from '../../../../src/adapters/transcoder/mediaconvert/job-state-event.ts';
import { createJobRequest } from '../../../../src/adapters/transcoder/mediaconvert/mediaconvert-job-settings.ts';
import { AbortedError, isPermanent, TransientError, UnsupportedMediaError } from '../../../../src/core/errors.ts';
import { failureReason } from '../../../../src/core/pipeline/failure-reason.ts';
import { ATTEMPT_ID, LANDSCAPE_1080P, ladderRequest, mediaKeyFromUri, OPTIONS, VIDEO_ID } from './fixtures.ts';

/** EventBridge events shaped as AWS documents them, carrying the metadata of a job vodkit submitted. */
async function fixture(name: string): Promise<Record<string, any>> {
  return JSON.parse(await readFile(join(import.meta.dirname, 'events', `${name}.json`), 'utf8'));
}

const read = (event: unknown): JobStateReading => parseJobStateEvent(event, { mediaKeyFromUri });

function completion(reading: JobStateReading) {
  expect(reading.kind).toBe('completion');
  if (reading.kind !== 'completion') throw new Error('not a completion');
  return reading.completion;
}

describe('parseJobStateEvent', () => {
  it('the fixtures carry exactly the metadata the job settings put in UserMetadata', async () => {
    const submitted = createJobRequest(ladderRequest(LANDSCAPE_1080P), OPTIONS).UserMetadata;
    for (const name of ['progressing', 'status-update', 'complete', 'error', 'canceled']) {
      expect((await fixture(name)).detail.userMetadata, name).toEqual(submitted);
    }
  });

  it('PROGRESSING: progress 0 of the encode named in the metadata', async () => {
    expect(read(await fixture('progressing'))).toEqual({
      kind: 'progress',
      jobId: '1671477617078-2886ye',
      videoId: VIDEO_ID,
      attemptId: ATTEMPT_ID,
      mode: 'ladder',
      fraction: 0,
    });
  });

  it('STATUS_UPDATE: the job percentage as a fraction; none yet while probing: ignored', async () => {
    expect(read(await fixture('status-update'))).toMatchObject({ kind: 'progress', videoId: VIDEO_ID, fraction: 0.07 });
    expect(read(await fixture('status-update-probing')).kind).toBe('ignored');
  });

  it('COMPLETE: master, renditions with measured averages, poster and thumbnail as media-store keys', async () => {
    const done = completion(read(await fixture('complete')));
    expect(done).toMatchObject({ videoId: VIDEO_ID, attemptId: ATTEMPT_ID, mode: 'ladder' });
    if (!('result' in done)) throw new Error('no result');
    const { result } = done;
    expect(result.masterKey).toBe(`${VIDEO_ID}/master.m3u8`);
    expect(result.posterKey).toBe(`${VIDEO_ID}/poster.0000001.jpg`);
    expect(result.thumbnailKey).toBe(`${VIDEO_ID}/thumbnail/thumbnail.0000001.jpg`);
    expect(result.dashKey).toBe(`${VIDEO_ID}/master.mpd`);
    expect(result.renditions.map((r) => [r.name, r.width, r.height, r.playlist])).toEqual([
      ['1080p', 1920, 1080, 'master_1080p.m3u8'],
      ['720p', 1280, 720, 'master_720p.m3u8'],
      ['480p', 854, 480, 'master_480p.m3u8'],
      ['360p', 640, 360, 'master_360p.m3u8'],
      ['audio', 0, 0, 'master_audio.m3u8'],
    ]);
    const [r1080, , , r360, audio] = result.renditions;
    expect(r1080).toMatchObject({ bandwidth: 5_128_000, averageBandwidth: 3_211_000 + 128_000, codecs: 'avc1.640028,mp4a.40.2', frameRate: 30 });
    // No average reported for 360p: the planned (peak) value stays.
    expect(r360.averageBandwidth).toBe(928_000);
    expect(audio).toMatchObject({ bandwidth: 128_000, codecs: 'mp4a.40.2', frameRate: null });
  });

  it('COMPLETE of a ladder that made the download: its MP4 as downloadKey; none asked: downloadKey left undefined', async () => {
    const event = await fixture('complete-download');
    expect(event.detail.userMetadata).toEqual(createJobRequest(ladderRequest(LANDSCAPE_1080P, { download: true }), OPTIONS).UserMetadata);
    const done = completion(read(event));
    if (!('result' in done)) throw new Error('no result');
    expect(done.result).toMatchObject({
      downloadKey: `${VIDEO_ID}/download.mp4`,
      posterKey: `${VIDEO_ID}/poster.0000001.jpg`,
      thumbnailKey: `${VIDEO_ID}/thumbnail/thumbnail.0000001.jpg`,
    });
    const plain = completion(read(await fixture('complete')));
    if (!('result' in plain)) throw new Error('no result');
    expect('downloadKey' in plain.result).toBe(false);
    // Without the groups' details, the MP4 is where the job writes it.
    delete event.detail.outputGroupDetails;
    const bare = completion(read(event));
    if (!('result' in bare)) throw new Error('no result');
    expect(bare.result.downloadKey).toBe(`${VIDEO_ID}/download.mp4`);
  });

  it('COMPLETE without output details: the master where the job writes it, no stills', async () => {
    const event = await fixture('complete');
    delete event.detail.outputGroupDetails;
    const done = completion(read(event));
    if (!('result' in done)) throw new Error('no result');
    expect(done.result).toMatchObject({ masterKey: `${VIDEO_ID}/master.m3u8`, posterKey: null, thumbnailKey: null });
    expect(done.result.dashKey).toBeUndefined();
  });

  it('ERROR with an input error code: permanent and final, a sentence without S3 URIs', async () => {
    const done = completion(read(await fixture('error')));
    if (!('error' in done)) throw new Error('no error');
    expect(done.final).toBe(true);
    expect(done.error).toBeInstanceOf(UnsupportedMediaError);
    expect(isPermanent(done.error)).toBe(true);
    const reason = failureReason(done.error);
    expect(reason).toContain('Unsupported codec in input file');
    expect(reason).toContain('1040');
    expect(reason).not.toContain('s3://');
    expect(String((done.error as Error).cause)).toContain('s3://vodkit-bucket/sources/');
  });

  it('ERROR of the service (storage, internal): transient, another attempt may pass', async () => {
    const done = completion(read(await fixture('error-service')));
    if (!('error' in done)) throw new Error('no error');
    expect(done.final).toBe(false);
    expect(done.error).toBeInstanceOf(TransientError);
    expect(failureReason(done.error)).not.toContain('s3://');
    expect(done.attempts).toBe(1);
  });

  it('ERROR of the service on the stage\'s last attempt: final', async () => {
    const event = await fixture('error-service');
    event.detail.userMetadata.attempt = '4';
    const done = completion(read(event));
    if (!('error' in done)) throw new Error('no error');
    expect(done).toMatchObject({ final: true, attempts: 4 });
    expect(done.error).toBeInstanceOf(TransientError);
  });

  it('CANCELED: a final AbortedError (the video can be retried)', async () => {
    const done = completion(read(await fixture('canceled')));
    if (!('error' in done)) throw new Error('no error');
    expect(done).toMatchObject({ final: true });
    expect(done.error).toBeInstanceOf(AbortedError);
  });

  it('ignores jobs without vodkit metadata, other statuses and other events', async () => {
    expect(read(await fixture('foreign-complete'))).toMatchObject({ kind: 'ignored' });
    const warning = await fixture('progressing');
    warning.detail.status = 'NEW_WARNING';
    expect(read(warning)).toEqual({ kind: 'ignored', reason: 'status NEW_WARNING' });
    expect(read({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} }).kind).toBe('ignored');
    const broken = await fixture('complete');
    broken.detail.userMetadata.ladder = '1080p:1920x1080';
    expect(read(broken).kind).toBe('ignored');
  });

  it('a first playable output in a folder: its master in the folder', async () => {
    const event = await fixture('complete');
    const meta = createJobRequest(ladderRequest(LANDSCAPE_1080P, { folder: 'first', mode: 'first-playable' }), OPTIONS).UserMetadata!;
    event.detail.userMetadata = meta;
    event.detail.outputGroupDetails = event.detail.outputGroupDetails.slice(0, 1);
    event.detail.outputGroupDetails[0].playlistFilePaths = [`s3://vodkit-bucket/media/${VIDEO_ID}/first/master.m3u8`];
    const done = completion(read(event));
    if (!('result' in done)) throw new Error('no result');
    expect(done.mode).toBe('first-playable');
    expect(done.result.masterKey).toBe(`${VIDEO_ID}/first/master.m3u8`);
    expect(done.result.renditions[0].playlist).toBe('first/master_1080p.m3u8');
  });
});
