import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.ts';
import { canonicalLanguage, checkLabel, languageName } from '../../../src/core/captions/language.ts';
import { mergeCaptions } from '../../../src/core/captions/publish-captions.ts';
import { srtToWebVtt } from '../../../src/core/captions/srt.ts';
import { checkWebVtt, withTimestampMap } from '../../../src/core/captions/webvtt.ts';
import type { CaptionTrack } from '../../../src/core/model/video.ts';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as Error).message;
  }
  throw new Error('expected a ValidationError');
}

const GOOD = 'WEBVTT\n\n1\n00:00:00.500 --> 00:00:02.000\nHello <b>world</b>\n\n00:02.500 --> 00:04.000 align:start\nSecond & last\n';

describe('WebVTT checks', () => {
  it('accepts a valid file, with CRLF line ends, a byte order mark and header lines', () => {
    const checked = checkWebVtt(`\uFEFF${GOOD.replace('WEBVTT\n', 'WEBVTT\nKind: captions\nLanguage: en\n').replace(/\n/g, '\r\n')}`);
    expect(checked.cues.map((c) => [c.startTime, c.endTime])).toEqual([
      [0.5, 2],
      [2.5, 4],
    ]);
    expect(checked.text.startsWith('WEBVTT\n')).toBe(true);
    expect(checked.text).not.toContain('\r');
  });

  it('refuses a cue that ends before it starts, with its line number', () => {
    const text = 'WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nfine\n\n2\n00:00:05.000 --> 00:00:03.000\nbackwards\n';
    expect(refusal(() => checkWebVtt(text))).toBe('line 8: the cue ends before it starts');
  });

  it('refuses a cue that ends when it starts, cues out of order, malformed timestamps and a missing signature', () => {
    expect(refusal(() => checkWebVtt('WEBVTT\n\n00:00:01.000 --> 00:00:01.000\nzero\n'))).toBe('line 3: the cue ends when it starts');
    expect(refusal(() => checkWebVtt('WEBVTT\n\n00:00:05.000 --> 00:00:06.000\na\n\n00:00:01.000 --> 00:00:02.000\nb\n'))).toBe(
      'line 6: the cue starts before the cue above it',
    );
    expect(refusal(() => checkWebVtt('WEBVTT\n\n00:00:01,000 --> 00:00:02.000\ncomma\n'))).toMatch(/^line 3: the cue timing is not valid/);
    expect(refusal(() => checkWebVtt('1\n00:00:01.000 --> 00:00:02.000\nno signature\n'))).toBe('line 1: a WebVTT file starts with "WEBVTT"');
    expect(refusal(() => checkWebVtt('WEBVTT\n'))).toBe('the caption file has no cues');
  });

  it('adds the timestamp map of segmented WebVTT once', () => {
    const mapped = withTimestampMap(GOOD);
    expect(mapped.split('\n').slice(0, 3)).toEqual(['WEBVTT', 'X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000', '']);
    expect(withTimestampMap(mapped)).toBe(mapped);
    expect(checkWebVtt(mapped).cues).toHaveLength(2);
  });
});

describe('SRT to WebVTT', () => {
  it('converts times, keeps b/i/u, drops other markup and escapes the text', () => {
    const srt = '1\r\n00:00:01,000 --> 00:00:02,500 X1:10 X2:20 Y1:5 Y2:9\r\n<i>Hello</i> <font color="red">there</font>\r\n{\\an8}Tom & Jerry <3\r\n\r\n2\r\n0:0:3,5 --> 00:00:04,000\r\nBye\r\n';
    const { text } = srtToWebVtt(srt);
    expect(text).toBe('WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\n<i>Hello</i> there\nTom &amp; Jerry &lt;3\n\n2\n00:00:03.500 --> 00:00:04.000\nBye\n');
    expect(checkWebVtt(text).cues.map((c) => c.text)).toEqual(['<i>Hello</i> there\nTom &amp; Jerry &lt;3', 'Bye']);
  });

  it('names the SRT line of a bad timing', () => {
    const srt = '1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:09,000 --> 00:00:04,000\nbackwards\n';
    const converted = srtToWebVtt(srt);
    expect(refusal(() => checkWebVtt(converted.text, converted.sourceLine))).toBe('line 6: the cue ends before it starts');
    expect(refusal(() => srtToWebVtt('1\n00:00:01 to 00:00:02\nnot a timing\n'))).toMatch(/^line 2: expected a cue timing/);
    expect(refusal(() => srtToWebVtt('\n\n'))).toBe('the SRT file has no cues');
  });
});

describe('language tags and labels', () => {
  it('canonicalizes BCP 47 tags and refuses what is not one', () => {
    expect(canonicalLanguage('pt-br')).toBe('pt-BR');
    expect(canonicalLanguage('eng')).toBe('en');
    expect(canonicalLanguage('zh-Hant')).toBe('zh-Hant');
    expect(canonicalLanguage('und-x-s3')).toBe('und-x-s3');
    for (const bad of ['', 'english', 'en_US', '../en', 'e', 'en-']) expect(refusal(() => canonicalLanguage(bad))).toMatch(/is not a language tag/);
  });

  it('names languages in English and checks labels', () => {
    expect(languageName('fr')).toBe('French');
    expect(languageName('und')).toBe('Unknown language');
    expect(checkLabel('  English (SDH) ')).toBe('English (SDH)');
    expect(refusal(() => checkLabel('say "hi"'))).toMatch(/label/);
    expect(refusal(() => checkLabel(' '))).toMatch(/label/);
  });
});

describe('merging the tracks of an encode', () => {
  const track = (language: string, source: CaptionTrack['source']): CaptionTrack => ({ language, label: `${language} ${source}`, vttKey: `${source}/${language}.vtt`, playlistKey: `${source}/${language}.m3u8`, source });
  it('keeps tracks added through the API, which win over the upload tracks of their language', () => {
    const merged = mergeCaptions([track('en', 'api'), track('fr', 'upload')], [track('en', 'upload'), track('de', 'upload')]);
    expect(merged.map((c) => `${c.language}:${c.source}`)).toEqual(['de:upload', 'en:api']);
    expect(mergeCaptions(null, [])).toEqual([]);
  });
});
