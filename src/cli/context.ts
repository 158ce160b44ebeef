// What every `mlp` command is given: the parsed settings (read on first use) and the output format chosen with -o.
import type { Env } from '../config/env';
import type { OutputFormat } from './output';

export interface CliContext {
  env: () => Env;
  format: () => OutputFormat;
}
