import type { Video, Visibility } from '../../../src/core/model/video.ts';
import { newId } from '../../../src/core/ids.ts';
import type { TestServer } from '../../support/server.ts';

/** Bytes that are recognisable in a response body and nowhere else. */
export const FAKE_SEGMENT = Buffer.from('fake-segment-bytes:0123456789');
export const FAKE_INIT = Buffer.from('fake-init-bytes');
export const FAKE_POSTER = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('fake-poster')]);

export const MASTER = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=800000,AVERAGE-BANDWIDTH=700000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"\n720p/index.m3u8\n';
export const MEDIA_PLAYLIST =
  '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2.000,\nseg_00001.m4s\n#EXT-X-ENDLIST\n';

/** Paths (relative to the video folder) of the fake outputs. */
export const FAKE_PATHS = {
  playlist: 'master.m3u8',
  variant: '720p/index.m3u8',
  init: '720p/init.mp4',
  segment: '720p/seg_00001.m4s',
  poster: 'poster.jpg',
} as const;

/**
 * A ready, playable video made without transcoding: a catalog record and tiny fake outputs put
 * straight into the media store.
 */
export async function createFakeVideo(server: TestServer, options: { ownerId: string | null; visibility: Visibility; title?: string }): Promise<Video> {
  const id = newId();
  const now = new Date().toISOString();
  const { media, catalog } = server.rt;
  await media.put(`${id}/${FAKE_PATHS.playlist}`, Buffer.from(MASTER), { contentType: 'application/vnd.apple.mpegurl' });
  await media.put(`${id}/${FAKE_PATHS.variant}`, Buffer.from(MEDIA_PLAYLIST), { contentType: 'application/vnd.apple.mpegurl' });
  await media.put(`${id}/${FAKE_PATHS.init}`, FAKE_INIT, { contentType: 'video/mp4' });
  await media.put(`${id}/${FAKE_PATHS.segment}`, FAKE_SEGMENT, { contentType: 'video/iso.segment' });
  await media.put(`${id}/${FAKE_PATHS.poster}`, FAKE_POSTER, { contentType: 'image/jpeg' });
  return catalog.createVideo({
    id,
    title: options.title ?? `fake ${options.visibility}`,
    status: 'ready',
    progress: 1,
    error: null,
    filename: 'fake.mp4',
    contentType: 'video/mp4',
    sourceSize: 1000,
    sourceKey: `${id}.mp4`,
    ownerId: options.ownerId,
    visibility: options.visibility,
    durationSec: 2,
    width: 1280,
    height: 720,
    renditions: [
      {
        name: '720p',
        width: 1280,
        height: 720,
        bandwidth: 800000,
        averageBandwidth: 700000,
        codecs: 'avc1.64001f,mp4a.40.2',
        frameRate: 30,
        playlist: FAKE_PATHS.variant,
      },
    ],
    masterKey: `${id}/${FAKE_PATHS.playlist}`,
    posterKey: `${id}/${FAKE_PATHS.poster}`,
    thumbnailKey: null,
    playable: true,
    createdAt: now,
    updatedAt: now,
  });
}
