import { describe, expect, it } from 'vitest';
import { attachmentDisposition } from '../../src/http/content-disposition.ts';
import { addTokenToMpd } from '../../src/http/mpd-rewrite.ts';

describe('addTokenToMpd', () => {
  const mpd = [
    '<SegmentList timescale="90000">',
    '  <Initialization sourceURL="720p/init.mp4" />',
    '  <SegmentURL media="720p/seg_00000.m4s" />',
    '  <SegmentURL media="720p/seg_00001.m4s?v=2" />',
    '  <SegmentURL media="https://elsewhere.test/seg.m4s" />',
    '  <SegmentURL media="/absolute/seg.m4s" />',
    '</SegmentList>',
  ].join('\n');

  it('appends the token to every relative segment and init URL (XML-escaped), and leaves absolute ones alone', () => {
    const out = addTokenToMpd(mpd, 'a.b/c');
    expect(out).toContain('sourceURL="720p/init.mp4?token=a.b%2Fc"');
    expect(out).toContain('media="720p/seg_00000.m4s?token=a.b%2Fc"');
    expect(out).toContain('media="720p/seg_00001.m4s?v=2&amp;token=a.b%2Fc"');
    expect(out).toContain('media="https://elsewhere.test/seg.m4s"');
    expect(out).toContain('media="/absolute/seg.m4s"');
    expect(out).toContain('timescale="90000"');
  });
});

describe('attachmentDisposition', () => {
  it('names the file after the title: a plain filename and the exact title in filename*', () => {
    expect(attachmentDisposition('Sea trip', 'mp4')).toBe(`attachment; filename="Sea trip.mp4"; filename*=UTF-8''Sea%20trip.mp4`);
    expect(attachmentDisposition('a "quoted"\\/name\r\n', 'mp4')).toBe(`attachment; filename="a _quoted___name.mp4"; filename*=UTF-8''a%20%22quoted%22%5C%2Fname.mp4`);
    expect(attachmentDisposition('...hidden', 'mp4')).toMatch(/^attachment; filename="_hidden\.mp4"/);
    expect(attachmentDisposition('   ', 'mp4')).toMatch(/^attachment; filename="video\.mp4"/);
  });
});
