import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { VodkitStack } from '../lib/vodkit-stack.ts';

/**
 * The CDK app: one vodkit stack (named by context `stackName`, default `Vodkit`), checked by
 * cdk-nag's AWS Solutions rules on every synth, so a finding without a written suppression fails
 * `cdk synth` and `cdk deploy`.
 */
const app = new App();
const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'Vodkit';
new VodkitStack(app, stackName);
Aspects.of(app).add(new AwsSolutionsChecks());
app.synth();
