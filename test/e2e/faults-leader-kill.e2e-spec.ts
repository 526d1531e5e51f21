import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Election, newCastLog, Stores } from '../../apps/cli/src/faults/election';
import { KafkaCluster } from '../../apps/cli/src/faults/lab';
import { portOpen } from '../../apps/cli/src/faults/ports';
import { PlazaApi } from '../../apps/cli/src/import/plaza-api';
import { CachedTokens, LocalSigner } from '../../apps/cli/src/import/tokens';
import { KafkaAdmin } from '@plaza/kafka';
import { TEST_DATABASE_URL } from '@plaza/testing';
import { TEST_SIGNING_KEY_PEM } from '../support/auth';
import { Stack } from '../support/stack';

/**
 * The fault suite's small deterministic part (`npm run faults` runs the full one): a three-broker KRaft cluster of
 * this test's own (infra/kafka/kafka.sh, KAFKA_NODES=3, ports 19392…19397, never the shared broker), the three
 * services on it, 300 ballots sent with the plaza CLI's own client, and the broker leading the round's partition
 * killed with kill -9 a third of the way through. Every accepted ballot must be in the voting store once and in the
 * ledger once, no sender may have seen an error, and the declared result must equal the audit recount.
 */
jest.setTimeout(600_000);

const BASE_PORT = Number(process.env.FAULTS_TEST_KAFKA_PORT ?? 19392);

describe('a three-broker cluster loses its partition leader mid-election', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'plaza-faults-test-'));
  const cluster = new KafkaCluster(join(__dirname, '..', '..'), 3, BASE_PORT, dataDir);
  const brokers = cluster.brokers.join(',');
  const stack = new Stack({ proposals: { KAFKA_BROKERS: brokers }, voting: { KAFKA_BROKERS: brokers }, audit: { KAFKA_BROKERS: brokers, CHECKPOINT_INTERVAL_MS: '500' } });

  beforeAll(async () => {
    for (const address of cluster.brokers) {
      if (await portOpen('127.0.0.1', Number(address.split(':')[1]))) throw new Error(`${address} is in use (FAULTS_TEST_KAFKA_PORT picks other ports)`);
    }
    await cluster.start();
    await stack.start();
  });

  afterAll(async () => {
    await stack.destroy().catch(() => undefined);
    await cluster.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates the topics with three replicas and min.insync.replicas 2', async () => {
    const admin = new KafkaAdmin({ brokers: cluster.brokers, clientId: 'plaza-faults-test' });
    try {
      const replication = await admin.topicReplication(`${stack.prefix}.voting.events`);
      expect(replication.replicationFactor).toBe(3);
      expect(replication.minInsyncReplicas).toBe(2);
    } finally {
      await admin.disconnect();
    }
  });

  it('keeps every ballot exactly once through kill -9 of the partition leader', async () => {
    const castLog = newCastLog(300);
    const api = new PlazaApi(
      { proposals: stack.url('proposals'), voting: stack.url('voting'), audit: stack.url('audit') },
      new CachedTokens(new LocalSigner(TEST_SIGNING_KEY_PEM)),
      undefined,
      () => castLog.retries++,
    );
    const election = new Election(api, { ballots: 300, units: 2, proposalsPerUnit: 3, concurrency: 16, name: stack.prefix });
    await election.setup();
    const stores = new Stores(TEST_DATABASE_URL, stack.schemas.voting, stack.schemas.audit);

    let killed: Promise<number> | undefined;
    await election.cast(castLog, (answered) => {
      if (answered !== 100) return;
      killed = (async () => {
        let partition: number | undefined;
        while (partition === undefined) {
          partition = await stores.votingPartition(election.roundId);
          if (partition === undefined) await new Promise((r) => setTimeout(r, 100));
        }
        const admin = new KafkaAdmin({ brokers: cluster.brokers, clientId: 'plaza-faults-test-leader' });
        const leaders = await admin.partitionLeaders(`${stack.prefix}.voting.events`).finally(() => admin.disconnect());
        const leader = leaders.find((l) => l.partition === partition)!.leader;
        await cluster.kill(leader);
        return leader;
      })();
    });
    expect(await killed).toBeGreaterThan(0);

    expect(castLog.errors).toEqual([]);
    expect(castLog.receipts.size).toBe(300);
    // Under a loaded CI machine the leader election, the relay's retry and the consumers' rebalance can take minutes.
    await stores.waitForLedger(election.roundId, 300_000);
    const closed = await election.close(120_000);
    expect(closed.recount).toBe('verified');
    const check = await stores.check(election.roundId, castLog);
    expect(check).toEqual({ lostInStore: 0, lostInLedger: 0, duplicated: 0, acceptedUnseen: 0, storeBallots: 300, ledgerBallots: 300 });
  });
});
