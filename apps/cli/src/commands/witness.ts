import type { Command } from 'commander';
import type { CommandContext } from '../cli';
import { CliError, EXIT_MISMATCH, EXIT_OK } from '../cli-error';
import { witnessKeygen, witnessOnce, WitnessUnavailable, type WitnessOutcome } from '../witness/witness';

interface RunFlags {
  audit: string;
  key: string;
  state: string;
  once?: boolean;
  interval: string;
}

export function registerWitness(program: Command, ctx: CommandContext): void {
  const witness = program
    .command('witness')
    .description('Run an independent witness of the audit ledger: cosign (C2SP tlog-cosignature) only checkpoints consistent with what it saw before');
  witness
    .command('keygen')
    .description('Write a witness key pair: DIR/NAME.key (C2SP signer key, mode 0600, keep it secret) and DIR/NAME.vkey (verifier key, publish it)')
    .requiredOption('--name <name>', 'the witness name on its cosignatures, a schema-less URL such as witness.example.org/plaza')
    .requiredOption('--out <dir>', 'folder for the two key files')
    .action((flags: { name: string; out: string }) => {
      let made;
      try {
        made = witnessKeygen(flags.name, flags.out);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      ctx.io.out(`signer key   ${made.keyFile} (mode 0600: keep it secret)\nverifier key ${made.vkeyFile}\n${made.verifierKey}\n`);
      ctx.setExitCode(EXIT_OK);
    });
  witness
    .command('run')
    .description(
      'Fetch the latest signed checkpoint, check the operator signature and a consistency proof from the last checkpoint\n' +
        'cosigned (kept in --state), then cosign it and submit the cosignature. A rolled-back or inconsistent checkpoint is\n' +
        'never cosigned: the witness writes evidence to --state, stops and exits 1. Exit codes: 0 ok, 1 refused, 2 usage or unreachable.',
    )
    .requiredOption('--audit <url>', 'the audit service, e.g. https://plaza.example.org/api/audit')
    .requiredOption('--key <file>', 'the witness signer key file from `plaza witness keygen`')
    .requiredOption('--state <dir>', 'the witness state folder (last cosigned checkpoint, evidence)')
    .option('--once', 'one pass, then exit')
    .option('--interval <seconds>', 'seconds between passes', '60')
    .action(async (flags: RunFlags) => {
      const interval = Number(flags.interval);
      if (!Number.isFinite(interval) || interval <= 0) throw new CliError('--interval must be a positive number of seconds');
      const options = { audit: flags.audit, keyFile: flags.key, stateDir: flags.state };
      for (;;) {
        let outcome: WitnessOutcome;
        try {
          outcome = await witnessOnce(options);
        } catch (e) {
          if (e instanceof WitnessUnavailable && !flags.once) {
            ctx.io.err(`plaza witness: ${e.message}; trying again in ${interval} s\n`);
            await new Promise((r) => setTimeout(r, interval * 1000));
            continue;
          }
          throw new CliError((e as Error).message);
        }
        if (outcome.kind === 'refused') {
          ctx.io.err(
            `plaza witness: REFUSED (${outcome.reason}): ${outcome.message}\n` +
              `  nothing was cosigned; evidence in ${outcome.evidence}\n` +
              '  the witness has stopped; see docs/witnessing.md ("When the witness reports a split view")\n',
          );
          ctx.setExitCode(EXIT_MISMATCH);
          return;
        }
        ctx.io.out(`plaza witness: ${outcome.message}\n`);
        ctx.setExitCode(EXIT_OK);
        if (flags.once) return;
        await new Promise((r) => setTimeout(r, interval * 1000));
      }
    });
}
