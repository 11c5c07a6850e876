import { describe, expect, it } from 'vitest';
import { literalAddress, refusedAddressReason } from '../../../src/adapters/webhook-sender/address-policy.ts';
import { NodeWebhookSender } from '../../../src/adapters/webhook-sender/node-webhook-sender.ts';
import { ValidationError } from '../../../src/core/errors.ts';

describe('webhook address policy', () => {
  it('refuses internal addresses, IPv4-mapped forms included', () => {
    for (const address of [
      '127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '255.255.255.255', '224.0.0.1',
      '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', 'ff02::1',
    ]) {
      expect(refusedAddressReason(address), address).not.toBeNull();
    }
    expect(refusedAddressReason('169.254.169.254')).toContain('link-local');
  });

  it('allows public unicast addresses', () => {
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(refusedAddressReason(address), address).toBeNull();
    }
  });

  it('reads IP literals of URL hosts, bracketed IPv6 included', () => {
    expect(literalAddress('[::1]')).toBe('::1');
    expect(literalAddress('127.0.0.1')).toBe('127.0.0.1');
    expect(literalAddress('example.com')).toBeNull();
  });

  it('checks destinations: literals and names resolving to internal addresses are refused unless allowed', async () => {
    const sender = new NodeWebhookSender();
    for (const url of ['http://127.0.0.1:9/x', 'http://10.0.0.1/', 'http://169.254.169.254/latest', 'http://[::1]:8080/', 'http://[::ffff:127.0.0.1]/', 'http://localhost:9/']) {
      await expect(sender.checkDestination(url), url).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(sender.checkDestination('ftp://example.com/')).rejects.toThrow(/https:\/\/ or http:\/\//);
    await expect(new NodeWebhookSender({ allowPrivate: true }).checkDestination('http://127.0.0.1:9/x')).resolves.toBeUndefined();
  });
});
