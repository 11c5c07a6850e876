import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './api-types.ts';
import { apiErrorOf, isConnectionFailure, VodkitConnectionError } from './errors.ts';

/** The typed client of the vodkit API (openapi-fetch over the generated types). */
export type VodkitApi = Client<paths>;

export interface ApiOptions {
  /** The server, e.g. http://127.0.0.1:8080 (a path prefix is kept). */
  baseUrl: string;
  /** An API token (`vodkit tokens create`), sent as `Authorization: Bearer <token>`. */
  token?: string | null;
  /** The fetch to use (default: the global one); also used for the signed upload requests. */
  fetch?: typeof fetch;
}

/**
 * An openapi-fetch client that throws instead of answering errors: a non-2xx answer becomes a
 * VodkitApiError (status, code, message), no answer at all a VodkitConnectionError. An abort
 * (the `signal` of a call) rejects with the signal's reason as usual.
 */
export function createApi(options: ApiOptions): VodkitApi {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const api = createClient<paths>({
    baseUrl,
    fetch: (request) => doFetch(request),
    headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
  });
  api.use({
    async onResponse({ response }) {
      if (!response.ok) throw await apiErrorOf(response);
      return undefined;
    },
    onError({ error }) {
      return isConnectionFailure(error) ? new VodkitConnectionError(baseUrl, { cause: error }) : undefined;
    },
  });
  return api;
}

// --- the generated types, by operation ------------------------------------------------------

type Method = 'get' | 'post' | 'patch' | 'delete' | 'put';
/** The operation `M` of path `P` in the generated types. */
export type Operation<P extends keyof paths, M extends Method> = paths[P][M];

/** The JSON body of an operation's success answer (never where the route declares none). */
export type Answer<Op> = Op extends { responses: infer R } ? SuccessJson<R> : never;
type SuccessJson<R> = {
  [S in keyof R]: S extends 200 | 201 | 202 ? (R[S] extends { content: { 'application/json': infer J } } ? J : never) : never;
}[keyof R];

/** The JSON request body of an operation (never where the route declares none). */
export type Body<Op> = Op extends { requestBody?: infer R } ? (NonNullable<R> extends { content: { 'application/json': infer B } } ? B : never) : never;

/** The query parameters of an operation. */
export type Query<Op> = Op extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** The body of a success answer; the API answers every helper's call with one. */
export function must<T>(data: T | undefined): T {
  if (data === undefined) throw new Error('the server answered without a body');
  return data;
}
