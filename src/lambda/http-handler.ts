import { fileURLToPath } from 'node:url';
import awsLambdaFastify from '@fastify/aws-lambda';
import { buildHttpApp } from '../http/app.ts';
import { containerRuntime, type LambdaRuntime } from './lambda-runtime.ts';

/** An API Gateway HTTP API (payload format 2.0) request and the function's answer, as far as vodkit sees them. */
export type HttpApiEvent = Record<string, unknown> & { version: string; rawPath: string };
export interface HttpApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
  cookies?: string[];
}

/** Types the HTTP API answers with as base64 (bytes, not text). */
const BINARY_TYPES = ['video/*', 'audio/*', 'image/*', 'application/octet-stream', 'application/vnd.apple.mpegurl', 'application/x-mpegurl'];

/**
 * The HTTP function: the same Fastify app as `vodkit serve` (API, uploads, playback authorization,
 * the web app) behind an API Gateway HTTP API, built once per container.
 */
export function createHttpHandler(
  runtime: () => Promise<LambdaRuntime>,
  options: { webRoot?: string } = {},
): (event: HttpApiEvent, context?: unknown) => Promise<HttpApiResult> {
  let proxy: Promise<(event: HttpApiEvent, context: unknown) => Promise<HttpApiResult>> | null = null;
  const open = async () => {
    const rt = await runtime();
    const app = await buildHttpApp(rt.httpDeps, { webRoot: options.webRoot });
    const handle = awsLambdaFastify<HttpApiEvent>(app, { binaryMimeTypes: BINARY_TYPES, parseCommaSeparatedQueryParams: false });
    await app.ready();
    return handle as unknown as (event: HttpApiEvent, context: unknown) => Promise<HttpApiResult>;
  };
  return async (event, context = {}) => {
    const handle = await (proxy ??= open().catch((err: unknown) => {
      proxy = null;
      throw err;
    }));
    return handle(event, context);
  };
}

/** The function's entry point (bundled by the CDK stack, with the web app beside it in `web-dist`). */
export const handler = createHttpHandler(containerRuntime, { webRoot: fileURLToPath(new URL('./web-dist', import.meta.url)) });
