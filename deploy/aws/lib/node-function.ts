import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';

/** The Lambda runtime of every function: Node.js 22, the newest Node the project's tests run on. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_22_X;

export interface NodeFunctionProps {
  /** The repository's root: holds package-lock.json and the entry file. */
  readonly projectRoot: string;
  /** The entry file, relative to the project root. */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: logs.RetentionDays;
  readonly environment?: Record<string, string>;
  /**
   * Folders of the project root copied beside the bundle (same relative name), e.g. the built
   * web app. Bundling fails, saying so, when one is missing.
   */
  readonly copyIntoBundle?: string[];
  /** Where Lambda puts asynchronous invocations that failed all their retries. */
  readonly deadLetterQueue?: sqs.IQueue;
}

/**
 * A TypeScript Lambda function (export `handler`), Node.js 22 on arm64, bundled by esbuild on this
 * machine (no Docker) into one ES module with source maps. It runs as its own role, which starts
 * with nothing but writing to the function's own log group (no AWS managed policy); whoever builds
 * the function adds what its handler calls.
 */
export class NodeFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      entry: join(props.projectRoot, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      deadLetterQueue: props.deadLetterQueue,
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // The code is tested with the AWS SDK versions of package-lock.json: ship those.
        bundleAwsSDK: true,
        // CommonJS dependencies inside an ES module bundle still call require().
        banner: "import { createRequire as __vodkitRequire } from 'node:module'; const require = __vodkitRequire(import.meta.url);",
        commandHooks: copyAfterBundling(props.copyIntoBundle ?? []),
      },
    });
  }
}

/** Bundling hooks copying folders of the project root into the bundle after esbuild ran. */
function copyAfterBundling(folders: string[]): ICommandHooks | undefined {
  if (folders.length === 0) return undefined;
  for (const folder of folders) {
    if (!/^[\w.-]+(\/[\w.-]+)*$/.test(folder) || folder.split('/').includes('..')) throw new Error(`Cannot copy "${folder}" into a bundle`);
  }
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) =>
      folders.flatMap((folder) => [
        `test -d "${inputDir}/${folder}" || { echo "${folder} is missing: run npm ci (or npm run build:web) first" >&2; exit 1; }`,
        `cp -R "${inputDir}/${folder}" "${outputDir}/${folder}"`,
      ]),
  };
}
