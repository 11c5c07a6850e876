import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CDK_APP_DIR } from './synth-stack.ts';

const run = promisify(execFile);

// The real `npx cdk synth` of deploy/aws, offline: the CLI runs bin/vodkit.ts through tsx,
// esbuild bundles the five functions on this machine (no Docker), cdk-nag checks the stack. The
// cloud assembly goes to a temporary folder, never into the repository.
describe('npx cdk synth in deploy/aws', () => {
  let out: string;
  let result: { stdout: string; stderr: string };

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'vodkit-cdk-out-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CDK_DISABLE_VERSION_CHECK: '1',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    // No credentials: synthesis must not need an AWS account.
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION']) delete env[name];
    result = await run('npx', ['cdk', 'synth', '--output', out, '--quiet', '--no-notices'], { cwd: CDK_APP_DIR, env, maxBuffer: 32 * 1024 * 1024 });
  }, 300_000);

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('writes the template and the manifest to --output and nothing into deploy/aws', () => {
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    const template = JSON.parse(readFileSync(join(out, 'Vodkit.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function').length).toBe(6);
    expect(JSON.stringify(template)).not.toMatch(/PRIVATE KEY/);
    expect(existsSync(join(CDK_APP_DIR, 'cdk.out'))).toBe(false);
    expect(existsSync(join(CDK_APP_DIR, 'cdk.context.json'))).toBe(false);
    expect(result.stderr).not.toMatch(/AwsSolutions-/);
  });

  it('bundles each function into one ES module that loads and exports handler; the HTTP one carries the web app', async () => {
    const assets = readdirSync(out).filter((name) => name.startsWith('asset.') && existsSync(join(out, name, 'index.mjs')));
    expect(assets).toHaveLength(5);
    for (const asset of assets) {
      const file = join(out, asset, 'index.mjs');
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(file)}); console.log(typeof m.handler);`], {
        env: { ...process.env, AWS_REGION: 'eu-west-1' },
      });
      expect(stdout.trim(), asset).toBe('function');
    }
    const withWebApp = assets.filter((asset) => existsSync(join(out, asset, 'web-dist', 'index.html')));
    expect(withWebApp).toHaveLength(1);
  }, 60_000);
});
