import { App, Aspects, CfnElement } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VodkitStack } from '../../../deploy/aws/lib/vodkit-stack.ts';

/** deploy/aws, the CDK app's folder. */
export const CDK_APP_DIR = fileURLToPath(new URL('../../../deploy/aws/', import.meta.url));

/** The context of deploy/aws/cdk.json (the feature flags `cdk synth` runs the app with). */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(`${CDK_APP_DIR}cdk.json`, 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export interface SynthesizedStack {
  app: App;
  stack: VodkitStack;
  template: Template;
  /** The template as JSON, for scans and lookups. */
  json: { Resources: Record<string, { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, any> }>; Outputs?: Record<string, any> };
}

/**
 * The vodkit stack as `cdk synth` builds it (cdk.json's context plus `context`), without bundling
 * the functions (asset bundling skipped for every stack: fast, no esbuild run). With `nag`, cdk-nag's
 * AWS Solutions checks run during the synthesis, as in bin/vodkit.ts.
 */
export function synthVodkitStack(context: Record<string, unknown> = {}, options: { nag?: boolean } = {}): SynthesizedStack {
  const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new VodkitStack(app, 'Vodkit');
  if (options.nag) Aspects.of(app).add(new AwsSolutionsChecks());
  const template = Template.fromStack(stack);
  return { app, stack, template, json: template.toJSON() as SynthesizedStack['json'] };
}

/** The resources of one type: logical id → properties. */
export function resourcesOf(json: SynthesizedStack['json'], type: string): Record<string, Record<string, any>> {
  const out: Record<string, Record<string, any>> = {};
  for (const [id, resource] of Object.entries(json.Resources)) {
    if (resource.Type === type) out[id] = resource.Properties ?? {};
  }
  return out;
}

/** The logical id of a CloudFormation resource, or of a construct's default child. */
export function logicalId(stack: VodkitStack, construct: IConstruct): string {
  const element = CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild;
  if (!element || !CfnElement.isCfnElement(element)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return stack.getLogicalId(element);
}
