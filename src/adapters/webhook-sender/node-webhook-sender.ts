import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { TransientError, ValidationError, errorMessage } from '../../core/errors.ts';
import type { WebhookRequest, WebhookSender } from '../../core/ports/webhook-sender.ts';
import { checkEndpointUrl } from '../../core/webhooks/webhook-endpoints.ts';
import { literalAddress, refusedAddressReason } from './address-policy.ts';

export interface NodeWebhookSenderOptions {
  /** Let webhooks reach internal addresses (loopback, private networks...): VODKIT_WEBHOOK_ALLOW_PRIVATE. Default false. */
  allowPrivate?: boolean;
}

const ALLOW_HINT = 'set VODKIT_WEBHOOK_ALLOW_PRIVATE=true to allow internal addresses';

/**
 * Sends webhooks with node:http and node:https. Every address a request connects to is vetted
 * first (address-policy.ts): an IP literal before the request, a host name in the connection's own
 * DNS lookup, so the address checked is the address connected to (a DNS answer that changes
 * between the check and the connection, DNS rebinding, gains nothing). Redirects are not followed.
 */
export class NodeWebhookSender implements WebhookSender {
  private readonly allowPrivate: boolean;

  constructor(options: NodeWebhookSenderOptions = {}) {
    this.allowPrivate = options.allowPrivate ?? false;
  }

  async checkDestination(raw: string): Promise<void> {
    const url = parseUrl(raw);
    if (this.allowPrivate) return;
    const literal = literalAddress(url.hostname);
    if (literal !== null) return this.vet(url.hostname, [literal]);
    let addresses: LookupAddress[];
    try {
      addresses = await new Promise((resolve, reject) => dnsLookup(url.hostname, { all: true }, (err, found) => (err ? reject(err) : resolve(found))));
    } catch {
      throw new ValidationError(`The webhook host ${url.hostname} does not resolve to an address.`);
    }
    this.vet(url.hostname, addresses.map((a) => a.address));
  }

  async send(request: WebhookRequest): Promise<{ status: number }> {
    const url = parseUrl(request.url);
    const literal = literalAddress(url.hostname);
    if (literal !== null && !this.allowPrivate) this.vet(url.hostname, [literal]);
    const client = url.protocol === 'https:' ? https : http;
    const body = Buffer.from(request.body);
    return new Promise((resolve, reject) => {
      const req = client.request(url, {
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(body.length) },
        lookup: this.allowPrivate ? undefined : this.vettedLookup,
        signal: request.signal,
        timeout: request.timeoutMs,
      });
      const timer = setTimeout(() => req.destroy(new TransientError(`the endpoint did not answer within ${Math.round(request.timeoutMs / 1000)} s`)), request.timeoutMs);
      req.on('timeout', () => req.destroy(new TransientError(`the endpoint did not answer within ${Math.round(request.timeoutMs / 1000)} s`)));
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err instanceof ValidationError || err instanceof TransientError ? err : new TransientError(`the endpoint could not be reached: ${errorMessage(err)}`, { cause: err }));
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0 });
        });
        res.on('error', () => undefined);
      });
      req.end(body);
    });
  }

  /** ValidationError when any of the host's addresses may not be reached. */
  private vet(host: string, addresses: string[]): void {
    for (const address of addresses) {
      const reason = refusedAddressReason(address);
      if (reason) {
        const shown = host === address || host === `[${address}]` ? address : `${host} (${address})`;
        throw new ValidationError(`vodkit does not send webhooks to ${shown}: ${reason}; ${ALLOW_HINT}.`);
      }
    }
  }

  /** A DNS lookup for the connection that refuses internal answers. */
  private readonly vettedLookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      try {
        this.vet(hostname, addresses.map((a) => a.address));
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      callback(null, first.address, first.family);
    });
  };
}

/** The URL, checked as registration checks it (absolute http(s), no credentials). */
function parseUrl(raw: string): URL {
  return new URL(checkEndpointUrl(raw));
}
