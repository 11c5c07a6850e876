import type { S3Event } from '../../../core/ports/object-store.ts';
import { encodeS3Key } from '../object-key.ts';

/** Builds S3-shaped object-created events, with a sequencer that grows within a process. */
export class ObjectCreatedEvents {
  private sequence = 0;

  constructor(private readonly bucket: string) {}

  build(eventName: string, key: string, size: number, eTag: string, now: Date): S3Event {
    const sequencer = (BigInt(now.getTime()) * 65536n + BigInt(this.sequence++ % 65536)).toString(16).toUpperCase().padStart(16, '0');
    return {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'vodkit:local',
          awsRegion: 'local',
          eventTime: now.toISOString(),
          eventName,
          s3: {
            s3SchemaVersion: '1.0',
            bucket: { name: this.bucket, arn: `arn:aws:s3:::${this.bucket}` },
            object: { key: encodeS3Key(key), size, eTag, sequencer },
          },
        },
      ],
    };
  }
}
