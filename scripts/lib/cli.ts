// Flags for every command: node's parseArgs, with a bad flag turned into one clear line and the usage.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UserError } from './errors.ts';

export function parseCommandLine<T extends ParseArgsConfig>(
  config: T,
  usage: string,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UserError((err as Error).message, `usage: ${usage}`);
  }
}
