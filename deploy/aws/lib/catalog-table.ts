import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { CATALOG_TABLE } from '../../../src/adapters/catalog/dynamodb/table-design.ts';

/**
 * The catalog's DynamoDB table (videos, users, API tokens), its keys and indexes taken from the
 * DynamoDB catalog adapter's table design so the stack and the code cannot disagree. On-demand
 * billing, point-in-time recovery, encrypted with the AWS managed key, kept when the stack is
 * deleted.
 */
export class CatalogTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: attribute(CATALOG_TABLE.partitionKey),
      sortKey: attribute(CATALOG_TABLE.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of CATALOG_TABLE.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}

function attribute(key: { readonly name: string; readonly type: string }): dynamodb.Attribute {
  const types: Record<string, dynamodb.AttributeType> = {
    S: dynamodb.AttributeType.STRING,
    N: dynamodb.AttributeType.NUMBER,
    B: dynamodb.AttributeType.BINARY,
  };
  const type = types[key.type];
  if (!type) throw new Error(`Catalog table design: attribute ${key.name} has unknown type ${key.type}`);
  return { name: key.name, type };
}
