import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { z } from 'zod';
import { Validator } from '@seriousme/openapi-schema-validator';
import { registerOpenApi, registeredRoutes } from '../../src/http/openapi.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { missingSchemas } from '../support/route-schemas.ts';

/** API routes that take no request body at all (a POST that only names its target). */
const TAKES_NO_BODY = ['POST /api/v1/videos/:id/retry', 'POST /api/v1/webhooks/:id/rotate-secret'];

describe('the OpenAPI document', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ worker: false });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is a valid OpenAPI 3.1 document, served at /api/openapi.json', async () => {
    const res = await fetch(`${server.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents the API with the shared schemas, and leaves out the pages', async () => {
    const doc = await (await fetch(`${server.url}/api/openapi.json`)).json();
    const list = doc.paths['/api/v1/videos']?.get;
    expect(list?.responses?.['200']).toBeDefined();
    expect(doc.components.schemas.Video.properties.playback).toBeDefined();
    expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
    const upload = doc.paths['/api/v1/uploads'].post;
    expect(upload.requestBody.content['application/json'].schema.required).toEqual(['filename', 'size']);
    expect(upload.responses['201'].content['application/json'].schema.properties.video).toEqual({ $ref: '#/components/schemas/Video' });
    expect(upload.responses['401'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(doc.paths['/media/{id}/{*}'] ?? doc.paths['/media/{id}/*']).toBeDefined();
    for (const hidden of ['/{*}', '/embed/{id}', '/api/openapi.json', '/api/docs', '/s3/{*}']) expect(Object.keys(doc.paths)).not.toContain(hidden);
  });

  it('every route declares its schemas', () => {
    const problems = missingSchemas(registeredRoutes(server.app), TAKES_NO_BODY);
    expect(problems, `routes lacking schemas:\n${problems.join('\n')}`).toEqual([]);
    expect(registeredRoutes(server.app).map((r) => r.url)).toEqual(expect.arrayContaining(['/api/v1/uploads', '/media/:id/*', '/api/docs/']));
  });

  it('a validation error names what was refused, in the error shape', async () => {
    const res = await fetch(`${server.url}/api/v1/uploads`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ filename: 'a.mp4', size: -1 }),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('ValidationError');
    expect(body.error.message).toMatch(/^size: /);
    const parts = await fetch(`${server.url}/api/v1/uploads/nothing/parts`, { headers: { Authorization: `Bearer ${server.token}` } });
    expect(parts.status).toBe(400);
    expect((await parts.json()).error.message).toMatch(/^querystring\.uploadId: /);
  });
});

describe('the schema check', () => {
  it('names each route lacking a schema, and what it lacks', async () => {
    const app = Fastify();
    await registerOpenApi(app);
    app.get('/api/v1/bare', async () => ({ ok: true }));
    app.post('/api/v1/things/:id', { schema: { response: { 200: z.object({ ok: z.boolean() }) } } }, async () => ({ ok: true }));
    app.get('/api/v1/things', { schema: { response: { 400: z.object({}) } } }, async () => ({ ok: true }));
    app.post('/api/v1/things/:id/poke', { schema: { params: z.object({ id: z.string() }), response: { 204: z.null() } } }, async () => null);
    app.get('/page', { schema: { hide: true } }, async () => 'page');
    app.get('/api/v1/fine/:id', { schema: { params: z.object({ id: z.string() }), response: { 200: z.object({ ok: z.boolean() }) } } }, async () => ({ ok: true }));
    await app.ready();
    const problems = missingSchemas(registeredRoutes(app), ['POST /api/v1/things/:id/poke']);
    expect(problems).toEqual([
      'GET /api/v1/bare: declares no schema',
      'HEAD /api/v1/bare: declares no schema',
      'POST /api/v1/things/:id: no params schema for its path parameters',
      'POST /api/v1/things/:id: no body schema (or list it among the routes that take no body)',
      'GET /api/v1/things: no response schema for its success',
      'HEAD /api/v1/things: no response schema for its success',
    ]);
    await app.close();
  });
});
