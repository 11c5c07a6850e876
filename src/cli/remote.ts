import { homedir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { createVodkitClient, VideoFailedError, VodkitApiError, VodkitConnectionError, type VodkitClient } from '../client/index.ts';
import { VodkitError } from '../core/errors.ts';

/** The serve command's default address. */
export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** A failure talking to a vodkit server, said for the person at the terminal. */
export class RemoteError extends VodkitError {
  readonly code = 'RemoteError';
}

export interface RemoteOptions {
  server?: string;
  token?: string;
}

/** --server and --token, taken by every command that talks to a running server. */
export function addRemoteOptions(command: Command): Command {
  return command
    .addOption(new Option('--server <url>', `the vodkit server (env VODKIT_SERVER, default ${DEFAULT_SERVER})`))
    .addOption(new Option('--token <token>', 'an API token, from `vodkit tokens create` (env VODKIT_TOKEN)'));
}

/**
 * Runs `work` with a client of the server the options name. Unfinished uploads are remembered in
 * $XDG_STATE_HOME/vodkit (default ~/.local/state/vodkit) so that the same command resumes them.
 */
export async function withRemote<T>(opts: RemoteOptions, work: (client: VodkitClient) => Promise<T>): Promise<T> {
  const server = opts.server || process.env.VODKIT_SERVER || DEFAULT_SERVER;
  const token = opts.token || process.env.VODKIT_TOKEN || null;
  if (!/^https?:\/\//.test(server)) throw new RemoteError(`--server must be an http:// or https:// URL, not ${JSON.stringify(server)}`);
  const stateDir = join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'vodkit');
  try {
    return await work(createVodkitClient({ baseUrl: server, token, stateDir }));
  } catch (err) {
    throw explain(err, server, token !== null);
  }
}

function explain(err: unknown, server: string, hasToken: boolean): unknown {
  if (err instanceof VodkitConnectionError) return new RemoteError(`${err.message}: is vodkit serving there? (set --server or VODKIT_SERVER)`);
  if (err instanceof VodkitApiError && err.status === 401) {
    return new RemoteError(hasToken ? 'the token was refused: give a valid API token with --token or VODKIT_TOKEN' : 'the server asks for an API token: pass --token or set VODKIT_TOKEN');
  }
  if (err instanceof VodkitApiError || err instanceof VideoFailedError) return new RemoteError(err.message);
  return err;
}
