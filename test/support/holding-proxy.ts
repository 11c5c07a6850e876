import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of a test server that can hold requests back: while `hold(request)` is
 * true for a request, it waits (its body unread) until `release()` forwards it or `drop()` cuts it.
 * Lets a test interrupt an upload at a known point: some parts stored, the others still waiting.
 */
export class HoldingProxy {
  url = '';
  target = '';
  hold: (request: IncomingMessage) => boolean = () => false;
  private readonly server: Server;
  private readonly waiting = new Map<() => void, IncomingMessage>();

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Lets every held request through, and stops holding. */
  release(): void {
    this.hold = () => false;
    for (const go of this.waiting.keys()) go();
    this.waiting.clear();
  }

  /** Ends every held request unanswered (none reaches the server), and stops holding. */
  drop(): void {
    for (const request of this.waiting.values()) request.socket.destroy();
    this.release();
  }

  get held(): number {
    return this.waiting.size;
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.hold(req)) {
      await new Promise<void>((resolve) => {
        this.waiting.set(resolve, req);
        req.socket.once('close', () => {
          this.waiting.delete(resolve);
          resolve();
        });
      });
      if (req.socket.destroyed) return;
    }
    const target = new URL(req.url ?? '/', this.target);
    const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  }
}
