import { ValidationError } from '../../../core/errors.ts';
import { CATALOG_TABLE } from './table-design.ts';

/**
 * The keys of the catalog table's items and the values of its index attributes (see
 * table-design.ts for the whole layout).
 */

export const PK = CATALOG_TABLE.partitionKey.name;
export const SK = CATALOG_TABLE.sortKey.name;

export const BY_CREATED = CATALOG_TABLE.globalSecondaryIndexes[0];
export const BY_OWNER = CATALOG_TABLE.globalSecondaryIndexes[1];
export const BY_VISIBILITY = CATALOG_TABLE.globalSecondaryIndexes[2];

/** The sort key attribute shared by the three indexes. */
export const CREATED_KEY = BY_CREATED.sortKey.name;

/** A table key: partition and sort key of one item. */
export type ItemKey = Record<string, string>;

const key = (pk: string, sk: string): ItemKey => ({ [PK]: pk, [SK]: sk });

export const videoKey = (id: string): ItemKey => key(`VIDEO#${id}`, 'VIDEO');

/** Partition of the users, their e-mail claims and the first-run gate. */
export const USERS_PARTITION = 'USERS';
export const USER_PREFIX = 'USER#';
export const userKey = (id: string): ItemKey => key(USERS_PARTITION, `${USER_PREFIX}${id}`);
export const emailClaimKey = (emailKey: string): ItemKey => key(USERS_PARTITION, `EMAIL#${emailKey}`);
export const firstRunGateKey = (): ItemKey => key(USERS_PARTITION, 'GATE');

/** Partition of the API tokens and their hash claims. */
export const TOKENS_PARTITION = 'TOKENS';
export const TOKEN_PREFIX = 'TOKEN#';
export const tokenKey = (id: string): ItemKey => key(TOKENS_PARTITION, `${TOKEN_PREFIX}${id}`);
export const tokenHashClaimKey = (tokenHash: string): ItemKey => key(TOKENS_PARTITION, `HASH#${tokenHash}`);

/** Index sort key: byte order is (createdAt, id) order, as createdAt has one fixed-width form. */
export const createdKey = (createdAt: string, id: string): string => `${createdAt}#${id}`;

export const VIDEO_KIND = 'VIDEO';
export const ownerKey = (ownerId: string): string => `OWNER#${ownerId}`;
export const visibilityKey = (visibility: string): string => `VISIBILITY#${visibility}`;

/** DynamoDB's limits on key values, in UTF-8 bytes (sort keys, including index sort keys; partition keys). */
export const MAX_SORT_KEY_BYTES = 1024;
export const MAX_PARTITION_KEY_BYTES = 2048;

/** True when `key` fits the limit (an id that does not fit names no stored record). */
export function keyFits(key: string, max: number = MAX_SORT_KEY_BYTES): boolean {
  return Buffer.byteLength(key, 'utf8') <= max;
}

/** ValidationError unless `key`, built from `field`, fits the limit. */
export function checkKeyFits(field: string, key: string, max: number = MAX_SORT_KEY_BYTES): void {
  if (!keyFits(key, max)) throw new ValidationError(`${field} is too long for a DynamoDB key (at most about ${max - 30} bytes)`);
}
