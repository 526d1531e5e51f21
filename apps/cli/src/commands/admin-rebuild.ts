import { join } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../cli';
import { CliError, EXIT_MISMATCH, EXIT_OK } from '../cli-error';
import { HttpClient, nodeTransport } from '../import/http';
import { DevIdpTokens, findDevKey, LocalSigner, type TokenSource } from '../import/tokens';

/** The repository root, from dist/apps/cli/src/commands/. */
const ROOT = join(__dirname, '..', '..', '..', '..', '..');

const SERVICES = {
  proposals: { env: 'PROPOSALS_URL', url: 'http://127.0.0.1:3001' },
  voting: { env: 'VOTING_URL', url: 'http://127.0.0.1:3002' },
  audit: { env: 'AUDIT_URL', url: 'http://127.0.0.1:3003' },
} as const;
type Service = keyof typeof SERVICES;

interface RebuildFlags {
  service: string;
  projection?: string;
  force?: boolean;
  url?: string;
  proposals: string;
  token?: string;
  devKey?: string;
  timeout: string;
  json?: boolean;
}

/** What POST /admin/rebuild answers (libs/event-store RebuildReport). */
interface RebuildReport {
  projection: string;
  events: number;
  catchUpEvents: number;
  durationMs: number;
  eventsPerSecond: number;
  checksum: string;
  liveChecksum: string;
  matches: boolean;
  switched: boolean;
  perTable: { table: string; rows: number; liveRows: number }[];
}

export function registerAdminRebuild(program: Command, ctx: CommandContext): void {
  const admin = program.commands.find((c) => c.name() === 'admin') ?? program.command('admin').description('Administrative tasks on the running services');
  admin
    .command('rebuild')
    .description(
      "Rebuild a service's read model from its log (POST /admin/rebuild): into a copy of its tables while the live ones keep\n" +
        'serving, then a switch over (blue/green). Prints the checksum of the rebuilt state and of the live state it replaced.\n' +
        'proposals: views (round_view, proposal_view) from its event store; voting: rounds (rounds, proposals) from the proposals\n' +
        'topic; audit: ballot-entries (receipt checks) from the ledger. Exit codes: 0 equal and switched, 1 different.',
    )
    .requiredOption('--service <name>', 'proposals, voting or audit')
    .option('--projection <name>', "which projection (default: the service's only one)")
    .option('--force', 'switch even when the rebuilt state differs from the live one (to repair a damaged read model)')
    .option('--url <url>', 'the service (default PROPOSALS_URL / VOTING_URL / AUDIT_URL or the npm start port)')
    .option('--proposals <url>', 'proposals service, for a token from the development identity provider', process.env['PROPOSALS_URL'] ?? SERVICES.proposals.url)
    .option('--token <jwt>', 'an admin bearer token (default PLAZA_ADMIN_TOKEN, else signed with the development key)')
    .option('--dev-key <file>', 'the development signing key (PKCS#8 PEM); default: AUTH_SIGNING_KEY_FILE or .plaza/dev-auth/')
    .option('--timeout <seconds>', 'how long to wait for the answer', '900')
    .option('--json', 'print the service’s report as JSON')
    .action(async (flags: RebuildFlags) => {
      const report = await rebuild(flags);
      ctx.io.out(flags.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(flags.service, report));
      ctx.setExitCode(report.matches ? EXIT_OK : EXIT_MISMATCH);
    });
}

async function adminToken(flags: RebuildFlags): Promise<string> {
  const given = flags.token ?? process.env['PLAZA_ADMIN_TOKEN'];
  if (given) return given;
  let source: TokenSource;
  try {
    const key = findDevKey(ROOT, flags.devKey);
    source = key ? new LocalSigner(key.pem) : new DevIdpTokens(new HttpClient(flags.proposals));
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  return source.token('plaza-admin-cli', ['admin']);
}

export async function rebuild(flags: RebuildFlags): Promise<RebuildReport> {
  if (!(flags.service in SERVICES)) throw new CliError(`--service must be one of ${Object.keys(SERVICES).join(', ')}, got ${flags.service}`);
  const service = SERVICES[flags.service as Service];
  const timeout = Number(flags.timeout);
  if (!Number.isInteger(timeout) || timeout < 1) throw new CliError(`--timeout must be a positive integer, got ${flags.timeout}`);
  const url = flags.url ?? process.env[service.env] ?? service.url;
  // No retries: a rebuild that timed out on our side may still be running (a second one is refused with 409).
  const client = new HttpClient(url, nodeTransport(4, timeout * 1000), { retries: 0, baseDelayMs: 0, maxDelayMs: 0 });
  const body = { ...(flags.projection ? { projection: flags.projection } : {}), ...(flags.force ? { force: true } : {}) };
  let res;
  try {
    res = await client.request<RebuildReport & { message?: unknown; errors?: unknown }>('POST', '/admin/rebuild', body, {
      token: await adminToken(flags),
      accept: [400, 401, 403, 409],
    });
  } catch (e) {
    throw new CliError(`POST ${url}/admin/rebuild: ${(e as Error).message}`);
  }
  if (res.status !== 200) throw new CliError(`POST ${url}/admin/rebuild: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  return res.body;
}

export function formatReport(service: string, r: RebuildReport): string {
  const lines = [
    `rebuilt ${service}/${r.projection}: ${r.events} events (${r.catchUpEvents} caught up under the switch lock) in ${(r.durationMs / 1000).toFixed(1)} s = ${r.eventsPerSecond} events/s`,
    ...r.perTable.map((t) => `  ${t.table}: ${t.rows} rows (live ${t.liveRows})`),
    `checksum ${r.checksum}`,
    `live     ${r.liveChecksum}`,
    r.matches ? 'equal: switched to the rebuilt tables' : r.switched ? 'DIFFERENT: switched anyway (--force)' : 'DIFFERENT: the live tables stay (use --force to switch)',
  ];
  return lines.join('\n') + '\n';
}
