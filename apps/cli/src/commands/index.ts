import type { Command } from 'commander';
import type { CommandContext } from '../cli';
import { registerAdminRebuild } from './admin-rebuild';
import { registerAuditExport } from './audit-export';
import { registerConformance } from './conformance';
import { registerDbRoles } from './db-roles';
import { registerDoctor } from './doctor';
import { registerImport } from './import';
import { registerKafkaAcls } from './kafka-acls';
import { registerPb } from './pb-check';
import { registerTally } from './tally';
import { registerVerify } from './verify';
import { registerWitness } from './witness';

/** Every `plaza` subcommand, one file each in this folder: add yours to this list. */
export const COMMANDS: readonly ((program: Command, ctx: CommandContext) => void)[] = [
  registerTally,
  registerImport,
  registerVerify,
  registerAuditExport,
  registerConformance,
  registerPb,
  registerDoctor,
  registerWitness,
  registerDbRoles,
  registerKafkaAcls,
  registerAdminRebuild,
];
