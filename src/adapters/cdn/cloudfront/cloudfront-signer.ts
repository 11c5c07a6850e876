import { getSignedCookies, getSignedUrl } from '@aws-sdk/cloudfront-signer';
import type { CdnGrant, CdnSigner } from '../../../core/ports/cdn-signer.ts';
import { ValidationError } from '../../../core/errors.ts';

export interface CloudFrontSignerOptions {
  /** The distribution's address, e.g. https://d111111abcdef8.cloudfront.net (no path). */
  url: string;
  /** ID of the public key of the distribution's trusted key group. */
  keyPairId: string;
  /** The matching RSA private key, PEM. */
  privateKey: string;
  /** Path of the behaviour that serves the media store, e.g. "/media" (the store's keys follow it). */
  mediaPath?: string;
}

/**
 * CdnSigner for CloudFront with a trusted key group: a custom policy whose Resource is the video's
 * folder (`https://<cdn>/media/<id>/*`) and whose only condition is the expiry, signed with
 * RSA-SHA1 (CloudFront's URL-safe base64), given as signed URLs (Policy, Signature, Key-Pair-Id)
 * and as the signed cookies CloudFront-Policy, CloudFront-Signature and CloudFront-Key-Pair-Id.
 */
export class CloudFrontSigner implements CdnSigner {
  private readonly origin: string;
  private readonly mediaPath: string;

  constructor(private readonly options: CloudFrontSignerOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'https:' || (url.pathname !== '/' && url.pathname !== '')) {
      throw new ValidationError('VODKIT_CDN_URL: the CDN address is https://<domain>, without a path');
    }
    this.origin = url.origin;
    this.mediaPath = `/${(options.mediaPath ?? '/media').replace(/^\/+|\/+$/g, '')}`;
  }

  grant(videoId: string, expiresAt: number): CdnGrant {
    const folder = `${this.mediaPath}/${videoId}/`;
    const policy = JSON.stringify({
      Statement: [{ Resource: `${this.origin}${folder}*`, Condition: { DateLessThan: { 'AWS:EpochTime': expiresAt } } }],
    });
    const credentials = { keyPairId: this.options.keyPairId, privateKey: this.options.privateKey, policy };
    const signed = getSignedCookies(credentials);
    const cookies: Record<string, string> = {
      'CloudFront-Policy': signed['CloudFront-Policy']!,
      'CloudFront-Signature': signed['CloudFront-Signature'],
      'CloudFront-Key-Pair-Id': signed['CloudFront-Key-Pair-Id'],
    };
    return {
      url: (key) => {
        if (!key.startsWith(`${videoId}/`)) throw new ValidationError(`the key ${key} is not a file of video ${videoId}`);
        return getSignedUrl({ ...credentials, url: `${this.origin}${this.mediaPath}/${key}` });
      },
      cookies,
      cookiePath: folder,
      expiresAt,
    };
  }
}
