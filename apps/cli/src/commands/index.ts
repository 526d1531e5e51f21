import type { Command } from 'commander';
import type { CommandContext } from '../cli';
import { registerImport } from './import';
import { registerTally } from './tally';

/** Every `plaza` subcommand, one file each in this folder: add yours to this list. */
export const COMMANDS: readonly ((program: Command, ctx: CommandContext) => void)[] = [registerTally, registerImport];
