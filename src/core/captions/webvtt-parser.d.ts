/** The parts of webvtt-parser (the W3C's WebVTT parser and validator) that vodkit uses. */
declare module 'webvtt-parser' {
  export interface WebVTTParseError {
    message: string;
    /** 1-based. */
    line: number;
    col?: number;
  }
  export interface WebVTTCue {
    id: string;
    startTime: number;
    endTime: number;
    text: string;
  }
  export interface WebVTTParseResult {
    cues: WebVTTCue[];
    errors: WebVTTParseError[];
  }
  export class WebVTTParser {
    /** mode 'metadata': cue text is kept as it is, not parsed. */
    parse(input: string, mode?: 'metadata' | 'chapters'): WebVTTParseResult;
  }
  const parser: { WebVTTParser: typeof WebVTTParser };
  export default parser;
}
