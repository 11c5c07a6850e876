import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/storage-url.ts';
import { ValidationError } from '../../src/core/errors.ts';

describe('parseDatabaseUrl', () => {
  it('reads sqlite and postgres URLs', () => {
    expect(parseDatabaseUrl('sqlite:///var/lib/vodkit/catalog.db')).toEqual({ kind: 'sqlite', path: '/var/lib/vodkit/catalog.db' });
    expect(parseDatabaseUrl('postgres://u@db:5432/vodkit?schema=media')).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/vodkit', schema: 'media' });
  });

  it('reads a DynamoDB table with its region and endpoint, keeping the name\'s case', () => {
    expect(parseDatabaseUrl('dynamodb://Vodkit_Catalog.prod')).toEqual({ kind: 'dynamodb', table: 'Vodkit_Catalog.prod' });
    expect(parseDatabaseUrl('dynamodb://vodkit-catalog?region=eu-west-1')).toEqual({ kind: 'dynamodb', table: 'vodkit-catalog', region: 'eu-west-1' });
    expect(parseDatabaseUrl('dynamodb://vodkit-catalog?region=us-east-1&endpoint=http://127.0.0.1:8000')).toEqual({
      kind: 'dynamodb',
      table: 'vodkit-catalog',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:8000',
    });
  });

  it('refuses malformed DynamoDB URLs with ValidationError', () => {
    for (const bad of [
      'dynamodb://',
      'dynamodb://ab',
      'dynamodb:///catalog',
      'dynamodb://catalog/extra',
      'dynamodb://user@catalog',
      'dynamodb://cat$log',
      'dynamodb://catalog?table=other',
      'dynamodb://catalog?region=EU WEST',
      'dynamodb://catalog?endpoint=ftp://host',
      'dynamodb://catalog?endpoint=http://host/path',
    ]) {
      expect(() => parseDatabaseUrl(bad), bad).toThrow(ValidationError);
    }
  });
});
