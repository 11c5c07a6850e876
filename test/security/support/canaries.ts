import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP listener on 127.0.0.1 that answers nothing useful and counts every request it gets. */
export class HttpCanary {
  readonly hits: string[] = [];
  private constructor(
    private readonly server: Server,
    readonly base: string,
  ) {}

  static async start(): Promise<HttpCanary> {
    let self: HttpCanary | null = null;
    const server = createServer((req, res) => {
      self?.hits.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'Content-Type': 'video/mp2t' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new HttpCanary(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A named pipe whose opening by any reader is seen: a writer process waits in open() on it and
 * reports the moment a reader appears. Reading a FIFO needs no data, so this catches an open that
 * an HTTP counter or atime could not.
 */
export class FifoCanary {
  opened = false;
  private readonly writer: ChildProcess;

  constructor(readonly path: string) {
    const made = spawnSync('mkfifo', [path]);
    if (made.status !== 0) throw new Error(`mkfifo ${path} failed: ${made.stderr?.toString()}`);
    this.writer = spawn('sh', ['-c', 'exec 3>"$1"; echo opened', 'sh', path], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.writer.stdout!.on('data', () => {
      this.opened = true;
    });
  }

  stop(): void {
    if (this.writer.exitCode === null && this.writer.signalCode === null) this.writer.kill('SIGKILL');
  }
}
