import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe } from 'vitest';
import type { ObjectStore, SignedRequest } from '../../src/core/ports/object-store.ts';
import { objectCases } from './object-store-object-cases.ts';
import { uploadCases } from './object-store-upload-cases.ts';

export { BAD_KEYS, readAll, testBytes } from './object-store-fixtures.ts';

/**
 * The ObjectStore conformance suite: every adapter's test file runs it unchanged.
 * What S3 enforces but s3rver does not (signatures, signed sizes, part ETags, minimum part
 * size) is tested with the local-disk store only, in its own test file.
 */
export interface Harness {
  store: ObjectStore;
  /** Executes a signed request as a client would, over HTTP. Returns non-2xx statuses, never throws for them. */
  perform(req: SignedRequest, body: Buffer | Readable): Promise<{ status: number; etag?: string }>;
  cleanup(): Promise<void>;
  /** Size the suite gives every multipart part but the last; at least the store's minimum. Default 5 MiB. */
  minPartSize?: number;
}

export function objectStoreConformance(name: string, setup: () => Promise<Harness>): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await setup();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    const current = () => h;
    objectCases(current);
    uploadCases(current);
  });
}
