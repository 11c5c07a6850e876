/**
 * CloudFront signatures for the player's own requests. On a CDN deployment the video's URLs are
 * signed with a custom policy over the video's folder (`https://<cdn>/media/<id>/*`, query
 * `Policy`, `Signature`, `Key-Pair-Id`); the media playlists and segments hls.js resolves from the
 * master are relative and carry no query, and the CloudFront cookies that would authorize them are
 * not sent from a page framed by another site (`SameSite=Lax`). The master's signature covers the
 * whole folder, so the same query is added to every URL under that folder.
 */

/** The signature of a signed master URL: the folder its policy covers and its query parameters. */
export interface MediaSignature {
  /** Origin and path prefix the policy's Resource covers, e.g. `https://cdn.example/media/abc/`. */
  readonly scope: string;
  /** The raw `Policy=…&Signature=…&Key-Pair-Id=…` parameters, as in the master URL. */
  readonly query: string;
}

const SIGNATURE_PARAMS = ['Policy', 'Signature', 'Key-Pair-Id'] as const;
/** Query parameters that mean a URL carries its own authorization. */
const OWN_AUTHORIZATION = [...SIGNATURE_PARAMS, 'Expires', 'token'];

/**
 * The signature of a URL signed with a CloudFront custom policy whose Resource is a folder
 * (`<origin><path>*`), or null: a URL without the three parameters (the token of a self-hosted
 * server, a canned policy), or a policy that covers something else than a folder of the URL's origin.
 */
export function mediaSignature(masterUrl: string): MediaSignature | null {
  let url: URL;
  try {
    url = new URL(masterUrl);
  } catch {
    return null;
  }
  if (!SIGNATURE_PARAMS.every((name) => url.searchParams.has(name))) return null;
  const resource = policyResource(url.searchParams.get('Policy')!);
  if (!resource || !resource.endsWith('*') || /[*?]/.test(resource.slice(0, -1))) return null;
  let scope: URL;
  try {
    scope = new URL(resource.slice(0, -1));
  } catch {
    return null;
  }
  if (scope.origin !== url.origin || !scope.pathname.endsWith('/') || !url.pathname.startsWith(scope.pathname)) return null;
  const query = url.search
    .slice(1)
    .split('&')
    .filter((pair) => (SIGNATURE_PARAMS as readonly string[]).includes(decodeURIComponent(pair.split('=')[0])))
    .join('&');
  return { scope: `${scope.origin}${scope.pathname}`, query };
}

/**
 * The URL with the signature's parameters after its own, if it is under the signature's folder
 * (same origin) and carries no authorization of its own; otherwise the URL unchanged.
 */
export function signMediaUrl(urlText: string, signature: MediaSignature): string {
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    return urlText;
  }
  if (!`${url.origin}${url.pathname}`.startsWith(signature.scope)) return urlText;
  if (OWN_AUTHORIZATION.some((name) => url.searchParams.has(name))) return urlText;
  const hash = urlText.indexOf('#');
  const base = hash >= 0 ? urlText.slice(0, hash) : urlText;
  const fragment = hash >= 0 ? urlText.slice(hash) : '';
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${signature.query}${fragment}`;
}

/** The Resource of a CloudFront policy (URL-safe base64: `-` `_` `~` for `+` `=` `/`), or null. */
function policyResource(encoded: string): string | null {
  try {
    const json = atob(encoded.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'));
    const policy = JSON.parse(json) as { Statement?: Array<{ Resource?: unknown }> };
    const statements = policy.Statement ?? [];
    const resource = statements.length === 1 ? statements[0].Resource : undefined;
    return typeof resource === 'string' ? resource : null;
  } catch {
    return null;
  }
}
