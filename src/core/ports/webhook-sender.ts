/**
 * WebhookSender: sends one signed webhook request to an endpoint's URL, and tells whether a URL
 * may be an endpoint at all (server-side request forgery: vodkit must not be made to call its own
 * network). Adapter: src/adapters/webhook-sender (node:http/https with a vetting DNS lookup).
 */
export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** The attempt fails when no answer came within this time. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface WebhookSender {
  /**
   * Resolves when `url` may receive webhooks: http(s), and its host is not, and does not resolve
   * to, an address of a private, loopback, link-local or otherwise internal range (unless the
   * installation allows them). Rejects with a ValidationError saying why otherwise.
   */
  checkDestination(url: string): Promise<void>;
  /**
   * POSTs the request, connecting only to an address that passed the same check (a name is
   * resolved and vetted at connection time, so a changed DNS answer cannot redirect it).
   * Resolves with the answer's status; rejects on a refused destination (ValidationError), a
   * network error or the timeout. The answer's body is read and discarded.
   */
  send(request: WebhookRequest): Promise<{ status: number }>;
}
