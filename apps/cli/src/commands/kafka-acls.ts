import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_TOPIC_PARTITIONS, kafkaAccessPlan, topicFor } from '@plaza/contracts';
import { KafkaAdmin } from '@plaza/kafka';
import type { CommandContext } from '../cli';
import { CliError, EXIT_OK } from '../cli-error';

interface Flags {
  brokers: string;
  user: string;
  passwordFile: string;
  mechanism: 'scram-sha-256' | 'scram-sha-512';
  prefix: string;
  principals: string;
  tls?: boolean;
  tlsCaFile?: string;
}

/**
 * `plaza kafka-acls`: least privilege on Kafka (README "Deploy"). As a super user, creates the three topics and grants
 * each service's principal exactly what it needs: write its own topic, read what it consumes, its own groups.
 */
export function registerKafkaAcls(program: Command, ctx: CommandContext): void {
  program
    .command('kafka-acls')
    .description('Create Plaza’s topics and grant each service’s Kafka principal only its own topic to write and what it consumes to read')
    .requiredOption('--brokers <list>', 'host:port list of the SASL listener')
    .requiredOption('--user <name>', 'a super user (kafka.sh KAFKA_SECURE=1: admin)')
    .requiredOption('--password-file <file>', 'its password')
    .option('--mechanism <name>', 'scram-sha-512 or scram-sha-256', 'scram-sha-512')
    .option('--prefix <prefix>', 'KAFKA_TOPIC_PREFIX of the deployment', 'plaza')
    .option('--principals <list>', 'service=user pairs', 'proposals=plaza-proposals,voting=plaza-voting,audit=plaza-audit')
    .option('--tls', 'connect with TLS')
    .option('--tls-ca-file <file>', 'a CA (PEM) to trust besides the system’s, e.g. the one `infra/kafka/kafka.sh ca` prints (implies --tls)')
    .action(async (flags: Flags) => {
      const principals = Object.fromEntries(flags.principals.split(',').map((pair) => pair.split('=').map((s) => s.trim()))) as Record<string, string>;
      for (const service of ['proposals', 'voting', 'audit']) {
        if (!principals[service]) throw new CliError(`--principals: no user for ${service}`);
      }
      const admin = new KafkaAdmin({
        brokers: flags.brokers.split(',').map((b) => b.trim()),
        clientId: 'plaza-kafka-acls',
        sasl: { mechanism: flags.mechanism, username: flags.user, password: readFileSync(flags.passwordFile, 'utf8').replace(/\r?\n$/, '') },
        ...(flags.tls || flags.tlsCaFile ? { tls: flags.tlsCaFile ? { caFile: flags.tlsCaFile } : {} } : {}),
      });
      try {
        await admin.ensureTopics((['proposals', 'voting', 'audit'] as const).map((p) => ({ topic: topicFor(p, flags.prefix), numPartitions: DEFAULT_TOPIC_PARTITIONS })));
        const plan = kafkaAccessPlan(flags.prefix, principals as Record<'proposals' | 'voting' | 'audit', string>);
        await admin.grantAccess(plan);
        for (const a of plan) ctx.io.out(`${a.principal}: writes ${a.writes.join(', ')}; reads ${a.reads.join(', ') || 'nothing'}; groups ${a.groupPrefix}*\n`);
      } catch (e) {
        throw new CliError(`cannot set the Kafka ACLs: ${(e as Error).message}`);
      } finally {
        await admin.disconnect();
      }
      ctx.setExitCode(EXIT_OK);
    });
}
