import { keepYoungGenerationSmall } from '../bin/young-generation.js';
import type { ConfigFlags } from '../src/config/config.ts';

keepYoungGenerationSmall(); // as bin/vodkit.js does, before the server's modules are loaded
const { startTestServer } = await import('../test/support/server.ts');

/**
 * A vodkit server in its own process, for the benchmarks: the same code as the tests' server
 * (test/support/server.ts), so that its memory can be read from /proc/<pid>/status and the load
 * generator does not share its event loop. Argument: JSON { worker: boolean, flags: ConfigFlags }.
 * Prints one JSON line { url, token, dataDir } when listening; stops on SIGTERM. bench/lib/server-process.ts
 * compiles it, as `vodkit serve` is compiled, and runs it with plain node and V8's young generation
 * kept small, as bin/vodkit.js does.
 */
const options = JSON.parse(process.argv[2] ?? '{}') as { worker?: boolean; flags?: ConfigFlags };
const server = await startTestServer({ worker: options.worker ?? true, flags: options.flags });
process.stdout.write(`${JSON.stringify({ url: server.url, token: server.token, dataDir: server.dataDir })}\n`);
let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  server.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
