import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { synthVodkitStack } from './synth-stack.ts';

// cdk-nag's AWS Solutions checks over the stack, as `cdk synth` runs them (bin/vodkit.ts).
describe('cdk-nag AWS Solutions checks', () => {
  const { stack, json } = synthVodkitStack({}, { nag: true });

  it('find nothing the stack does not accept in writing', () => {
    const annotations = Annotations.fromStack(stack);
    const errors = annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).split('\n')[0]}`)).toEqual([]);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  it('every suppression gives its reason', () => {
    const suppressions = Object.values(json.Resources).flatMap(
      (r) => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as Array<{ id: string; reason: string }>,
    );
    expect(suppressions.length).toBeGreaterThan(10);
    for (const s of suppressions) {
      expect(s.id).toMatch(/^AwsSolutions-/);
      expect(s.reason.length, s.id).toBeGreaterThanOrEqual(40);
    }
  });

  it('do report what they find (a bucket without logs or SSL)', () => {
    const app = new App();
    const insecure = new Stack(app, 'Insecure');
    new s3.Bucket(insecure, 'Plain');
    Aspects.of(app).add(new AwsSolutionsChecks());
    const ids = Annotations.fromStack(insecure)
      .findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))
      .map((e) => String(e.entry.data).split(':')[0]);
    expect(ids).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });
});
