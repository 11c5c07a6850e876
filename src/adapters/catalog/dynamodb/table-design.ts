/**
 * The DynamoDB catalog's single table: its key schema and global secondary indexes, as plain
 * data. The adapter (dynamodb-catalog.ts), the table creation for local DynamoDB
 * (create-table.ts) and the AWS deployment's CDK stack all build the same table from this.
 *
 * Items (pk / sk):
 * - a video:              `VIDEO#<id>` / `VIDEO`
 * - a user:               `USERS` / `USER#<id>`
 * - a user's e-mail:      `USERS` / `EMAIL#<lower-cased e-mail>` (holds the user id; makes e-mails unique)
 * - the user counter:     `USERS` / `COUNT` (number of users; every user creation updates it in the
 *                         same transaction, which makes the first user's creation atomic)
 * - an API token:         `TOKENS` / `TOKEN#<id>`
 * - a token's hash:       `TOKENS` / `HASH#<token hash>` (holds the token id; makes hashes unique)
 * - a webhook endpoint:   `WEBHOOKS` / `ENDPOINT#<id>`
 * - a webhook delivery:   `WEBHOOK#<endpoint id>` / `DELIVERY#<event id>` (the endpoint's delivery log)
 *
 * Only video items carry the index attributes, so the indexes hold videos only. Every index
 * projects all attributes (the CDK default, ProjectionType ALL). Sort keys are
 * `<createdAt>#<id>` with createdAt in the fixed-width form `YYYY-MM-DDTHH:mm:ss.sssZ`, so byte
 * order is (createdAt, id) order and a descending query lists newest first.
 * - `byCreated`: every video (partition `kindKey` = `VIDEO`).
 * - `byOwner`: an owner's videos (partition `ownerKey` = `OWNER#<ownerId>`; absent without owner).
 * - `byVisibility`: the videos of one visibility (partition `visibilityKey` = `VISIBILITY#<visibility>`).
 *
 * Billing is on demand; no attribute expires (no time-to-live).
 */
export const CATALOG_TABLE = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'byCreated',
      partitionKey: { name: 'kindKey', type: 'S' },
      sortKey: { name: 'createdKey', type: 'S' },
    },
    {
      indexName: 'byOwner',
      partitionKey: { name: 'ownerKey', type: 'S' },
      sortKey: { name: 'createdKey', type: 'S' },
    },
    {
      indexName: 'byVisibility',
      partitionKey: { name: 'visibilityKey', type: 'S' },
      sortKey: { name: 'createdKey', type: 'S' },
    },
  ],
} as const;

/** Name of one of the table's global secondary indexes. */
export type CatalogIndexName = (typeof CATALOG_TABLE.globalSecondaryIndexes)[number]['indexName'];
