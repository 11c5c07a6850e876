import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpApiRequest } from './aws-fixtures.ts';
import { callApi, CDN_URL, deliverJobs, eventOfJob, KEY_PAIR_ID, notifyUpload, startAwsStack, uploadClip, type AwsStack } from './aws-stack.ts';
import { verifySignedUrl } from './cloudfront-keys.ts';

/**
 * The viewer features of issue 14 on the AWS deployment, through its functions as AWS invokes
 * them: captions posted to the HTTP function and listed in the master MediaConvert wrote (the
 * events function lists them again in the ladder's master), the MP4 download made by the ladder's
 * MediaConvert job, and what the API answers for what needs ffmpeg (thumbnails at a chosen time,
 * a chosen poster time). MediaConvert is mocked: the test writes the masters it would write.
 */
let stack: AwsStack;
let s3: S3Client;
beforeAll(async () => {
  stack = await startAwsStack();
  s3 = new S3Client({ region: stack.s3.region, endpoint: stack.s3.endpoint, forcePathStyle: true, credentials: stack.s3.credentials });
}, 60_000);
afterAll(async () => {
  s3?.destroy();
  await stack?.stop();
});

/** A master as MediaConvert's CMAF group writes it (one rung, the audio group), without captions. */
const MASTER = [
  '#EXTM3U',
  '#EXT-X-VERSION:6',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,URI="master_audio.m3u8"',
  '#EXT-X-STREAM-INF:BANDWIDTH=896000,AVERAGE-BANDWIDTH=498000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=568x320,FRAME-RATE=30.000,AUDIO="audio"',
  'master_320p.m3u8',
  '',
].join('\n');

const CAPTION = 'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello from the lake\n';

/** Writes a media-store key into the bucket, as MediaConvert writes its outputs. */
async function writeOutput(key: string, text: string, contentType: string) {
  await s3.send(new PutObjectCommand({ Bucket: stack.s3.bucket, Key: `media/${key}`, Body: text, ContentType: contentType }));
}

async function readOutput(key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: stack.s3.bucket, Key: `media/${key}` }));
  return out.Body!.transformToString('utf8');
}

/** An upload taken through prepare and the ladder's submission; its two MediaConvert jobs. */
async function submitted(options: { downloads?: boolean } = {}) {
  const uploaded = await uploadClip(stack, options);
  await notifyUpload(stack, uploaded);
  await deliverJobs(stack);
  await deliverJobs(stack);
  const jobs = stack.createdJobs.filter((j) => j.input.UserMetadata?.videoId === uploaded.videoId);
  expect(jobs.map((j) => j.input.UserMetadata?.mode)).toEqual(['first-playable', 'ladder']);
  return { videoId: uploaded.videoId, first: jobs[0]!, ladder: jobs[1]! };
}

/** A URL of the video view signed by CloudFront's key for the video's folder, pointing at `key`. */
function expectSigned(url: string, key: string) {
  expect(url.startsWith(`${CDN_URL}/media/${key}?`), url).toBe(true);
  const checked = verifySignedUrl(url, stack.keys.publicKey, KEY_PAIR_ID);
  expect(checked, url).not.toBeNull();
}

describe('viewer features on the AWS deployment', () => {
  it('a caption posted through the HTTP function is stored, listed with a CloudFront-signed URL and named by the master; the ladder’s master names it again', async () => {
    const { core } = await stack.runtime();
    const { videoId, first, ladder } = await submitted();

    // Not playable yet: refused (an encode's first stage starts from an empty folder).
    const early = await callApi(stack, { method: 'POST', path: `/api/v1/videos/${videoId}/captions`, body: { language: 'en', format: 'vtt', text: CAPTION } });
    expect(early.statusCode).toBe(409);

    // The first output's job completes; its master is in first/.
    await writeOutput(`${videoId}/first/master.m3u8`, MASTER, 'application/vnd.apple.mpegurl');
    await stack.encoderEvents(eventOfJob('complete', first));
    expect(await core.catalog.getVideo(videoId)).toMatchObject({ playable: true, masterKey: `${videoId}/first/master.m3u8` });

    const posted = await callApi(stack, {
      method: 'POST',
      path: `/api/v1/videos/${videoId}/captions`,
      body: { language: 'en', label: 'English', format: 'vtt', text: CAPTION },
    });
    expect(posted.statusCode, posted.body).toBe(201);
    expect(posted.json).toMatchObject({ language: 'en', label: 'English', source: 'api' });
    expectSigned(posted.json.url, `${videoId}/captions/en.vtt`);
    expect(await readOutput(`${videoId}/captions/en.vtt`)).toContain('Hello from the lake');
    expect(await readOutput(`${videoId}/captions/en.m3u8`)).toContain('en.vtt');
    const firstMaster = await readOutput(`${videoId}/first/master.m3u8`);
    expect(firstMaster).toContain('#EXT-X-MEDIA:TYPE=SUBTITLES');
    expect(firstMaster).toContain('URI="../captions/en.m3u8"');
    expect(firstMaster).toMatch(/#EXT-X-STREAM-INF:.*SUBTITLES="/);

    const listed = await callApi(stack, { method: 'GET', path: `/api/v1/videos/${videoId}/captions` });
    expect(listed.statusCode).toBe(200);
    expect(listed.json.items).toHaveLength(1);
    expectSigned(listed.json.items[0].url, `${videoId}/captions/en.vtt`);

    // The ladder writes its own master (without captions); its COMPLETE event lists the track in it.
    await writeOutput(`${videoId}/master.m3u8`, MASTER, 'application/vnd.apple.mpegurl');
    await stack.encoderEvents(eventOfJob('complete', ladder));
    expect(await core.catalog.getVideo(videoId)).toMatchObject({ status: 'ready', masterKey: `${videoId}/master.m3u8` });
    const master = await readOutput(`${videoId}/master.m3u8`);
    expect(master).toContain('#EXT-X-MEDIA:TYPE=SUBTITLES');
    expect(master).toContain('URI="captions/en.m3u8"');
    const view = await callApi(stack, { method: 'GET', path: `/api/v1/videos/${videoId}` });
    expect(view.json.captions).toEqual([{ language: 'en', label: 'English', url: expect.any(String) }]);
    expectSigned(view.json.captions[0].url, `${videoId}/captions/en.vtt`);
    expectSigned(view.json.playback.dash, `${videoId}/master.mpd`);
    expect(stack.logged.filter((l) => l.level === 'error')).toEqual([]);
  }, 120_000);

  it('an upload with downloads: true gets the MP4 in its ladder job; after COMPLETE the view has downloads.mp4 as a CloudFront-signed URL', async () => {
    const { core } = await stack.runtime();
    const { videoId, first, ladder } = await submitted({ downloads: true });
    const groups = ladder.input.Settings!.OutputGroups!;
    const download = groups.find((g) => g.Name === 'Download');
    expect(download?.OutputGroupSettings?.FileGroupSettings?.Destination).toBe(`s3://${stack.s3.bucket}/media/${videoId}/download`);
    expect(download?.Outputs?.[0].ContainerSettings).toEqual({ Container: 'MP4', Mp4Settings: { MoovPlacement: 'PROGRESSIVE_DOWNLOAD' } });
    expect(ladder.input.UserMetadata?.download).toBe('1');
    // The first playable output makes no download.
    expect(first.input.Settings!.OutputGroups!.some((g) => g.Name === 'Download')).toBe(false);

    await stack.encoderEvents(eventOfJob('complete', first));
    const playing = await callApi(stack, { method: 'GET', path: `/api/v1/videos/${videoId}` });
    expect(playing.json.downloads).toEqual({ mp4: null });
    await stack.encoderEvents(eventOfJob('complete', ladder));
    expect((await core.catalog.getVideo(videoId))?.downloadKey).toBe(`${videoId}/download.mp4`);
    const view = await callApi(stack, { method: 'GET', path: `/api/v1/videos/${videoId}` });
    expect(view.json.status).toBe('ready');
    expectSigned(view.json.downloads.mp4, `${videoId}/download.mp4`);

    // An upload without downloads: no MP4 in its ladder, none in its view.
    const plain = await submitted();
    expect(plain.ladder.input.Settings!.OutputGroups!.some((g) => g.Name === 'Download')).toBe(false);
    expect(plain.ladder.input.UserMetadata?.download).toBeUndefined();
    await stack.encoderEvents(eventOfJob('complete', plain.first));
    await stack.encoderEvents(eventOfJob('complete', plain.ladder));
    const plainView = await callApi(stack, { method: 'GET', path: `/api/v1/videos/${plain.videoId}` });
    expect(plainView.json).toMatchObject({ status: 'ready', downloads: { mp4: null } });
  }, 120_000);

  it('without ffmpeg: a thumbnail at a chosen time answers 404 with a sentence, a chosen poster time 400; the poster MediaConvert captured stays', async () => {
    const { videoId, first, ladder } = await submitted();
    await stack.encoderEvents(eventOfJob('complete', first));
    await stack.encoderEvents(eventOfJob('complete', ladder));
    const token = await stack.adminToken();
    const thumbnail = await stack.http(
      httpApiRequest({ method: 'GET', path: `/media/${videoId}/thumbnail.jpg`, query: 'time=1&width=320', headers: { authorization: `Bearer ${token}` } }),
    );
    expect(thumbnail.statusCode).toBe(404);
    expect(JSON.parse(thumbnail.body).error.message).toMatch(/thumbnails at a chosen time are not available on this server/);
    const patched = await callApi(stack, { method: 'PATCH', path: `/api/v1/videos/${videoId}`, body: { posterTime: 1 } });
    expect(patched.statusCode).toBe(400);
    expect(patched.json.error.message).toMatch(/choosing the poster frame is not available on this server/);
    const view = await callApi(stack, { method: 'GET', path: `/api/v1/videos/${videoId}` });
    expectSigned(view.json.poster, `${videoId}/poster.0000000.jpg`);
    expect(view.json.storyboard).toBeNull();
  }, 120_000);
});
