import { Command } from 'commander';
import { errorMessage, VodkitError } from '../core/errors.ts';
import { registerServeCommands } from './serve-command.ts';
import { registerTranscodeCommand } from './transcode-command.ts';
import { registerAdminCommands } from './admin-commands.ts';
import { registerRetryCommand } from './retry-command.ts';
import { registerUploadCommand } from './upload-command.ts';
import { registerVideosCommand } from './videos-command.ts';
import { VERSION } from '../version.ts';

/**
 * `vodkit` command line. The commands that run vodkit take --data-dir (env VODKIT_DATA_DIR, default
 * ./data); `upload` and `videos` talk to a running server (--server, --token).
 */
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
  registerUploadCommand(program);
  registerVideosCommand(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    const prefix = err instanceof VodkitError ? '' : 'unexpected error: ';
    process.stderr.write(`vodkit: ${prefix}${errorMessage(err)}\n`);
    process.exitCode = 1;
  }
}
