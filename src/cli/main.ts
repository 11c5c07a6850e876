import { Command } from 'commander';
import { errorMessage, VodkitError } from '../core/errors.ts';
import { registerServeCommands } from './serve-command.ts';
import { registerTranscodeCommand } from './transcode-command.ts';
import { registerAdminCommands } from './admin-commands.ts';
import { registerRetryCommand } from './retry-command.ts';
import { VERSION } from '../version.ts';

/** `vodkit` command line. Every command takes --data-dir (env VODKIT_DATA_DIR, default ./data). */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('vodkit')
    .description('Self-hostable video on demand: signed upload, HLS ladder, catalog, secured playback.')
    .version(VERSION, '-V, --version', 'print the vodkit version')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });
  registerServeCommands(program);
  registerTranscodeCommand(program);
  registerAdminCommands(program);
  registerRetryCommand(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    const prefix = err instanceof VodkitError ? '' : 'unexpected error: ';
    process.stderr.write(`vodkit: ${prefix}${errorMessage(err)}\n`);
    process.exitCode = 1;
  }
}
