import { Option } from 'commander';

/** --data-dir, taken by every command (env VODKIT_DATA_DIR, default ./data). */
export function dataDirOption(): Option {
  return new Option('--data-dir <dir>', 'where vodkit keeps its data (env VODKIT_DATA_DIR)').default(undefined, './data');
}
