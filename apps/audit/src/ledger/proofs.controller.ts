import { Body, Controller, DefaultValuePipe, Get, HttpCode, Param, ParseIntPipe, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { NotFound } from '@plaza/contracts';
import { rootFromInclusionProof, verifyConsistency } from '@plaza/ledger';
import { capPageBytes, Public, validationFailed } from '@plaza/nest-runtime';
import { IsUUID, Matches } from 'class-validator';
import type { CheckpointView } from './checkpoints';
import { pageProblems } from './ledger.controller';
import { LedgerQuery, type EntryView } from './ledger-query';
import { LedgerTree } from './ledger-tree';
import { SigningKey } from './signing-key';

/** What a resident pastes: the receipt the voting service gave for their ballot. */
export class ReceiptDto {
  @IsUUID()
  readonly eventId!: string;

  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'leafHash must be 64 hex digits' })
  readonly leafHash!: string;
}

const optionalSize = new ParseIntPipe({ optional: true });

function hex(hashes: readonly Uint8Array[]): string[] {
  return hashes.map((h) => Buffer.from(h).toString('hex'));
}

@ApiTags('proofs')
@Controller()
export class ProofsController {
  constructor(
    private readonly query: LedgerQuery,
    private readonly tree: LedgerTree,
    private readonly key: SigningKey,
  ) {}

  @Get('ledger/public-key')
  @Public()
  @ApiOperation({ summary: 'The Ed25519 key that signs checkpoints (C2SP verifier key, raw, SPKI, PEM)' })
  publicKey() {
    return this.key.publicView();
  }

  @Get('ledger/checkpoints')
  @Public()
  @ApiOperation({ summary: 'Signed checkpoints in size order' })
  @ApiQuery({ name: 'after', required: false, description: 'Only checkpoints larger than this size (default 0: all)' })
  @ApiQuery({ name: 'limit', required: false, description: '1-1000 (default 100)' })
  async checkpoints(
    @Query('after', new DefaultValuePipe(-1), ParseIntPipe) after: number,
    @Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number,
  ) {
    pageProblems(Math.max(after, 0), limit);
    const fetched = await this.query.checkpoints(after, limit);
    const { rows: checkpoints, cut } = capPageBytes(fetched);
    const last = checkpoints.at(-1);
    return { checkpoints, next: (cut || fetched.length === limit) && last ? last.size : null };
  }

  @Get('ledger/checkpoints/latest')
  @Public()
  @ApiOperation({ summary: 'The latest signed checkpoint' })
  latest() {
    return this.query.checkpointFor(undefined);
  }

  @Get('ledger/checkpoints/:size')
  @Public()
  @ApiOperation({ summary: 'The checkpoint of one size' })
  checkpoint(@Param('size', ParseIntPipe) size: number) {
    return this.query.checkpointFor(size);
  }

  @Get('ledger/entries/:index/proof')
  @Public()
  @ApiOperation({ summary: 'Inclusion proof (RFC 9162) of an entry against a checkpoint (default: the latest)' })
  @ApiQuery({ name: 'size', required: false, description: 'Size of the checkpoint to prove against' })
  async inclusionByIndex(@Param('index', ParseIntPipe) index: number, @Query('size', optionalSize) size?: number) {
    const entry = await this.query.entryByIndex(index);
    if (!entry) throw new NotFound(`no ledger entry at index ${index}`);
    return await this.#inclusion(entry, await this.query.checkpointFor(size));
  }

  @Get('ledger/events/:eventId/proof')
  @Public()
  @ApiOperation({ summary: 'Inclusion proof of an event, by event id, against a checkpoint (default: the latest)' })
  @ApiQuery({ name: 'size', required: false, description: 'Size of the checkpoint to prove against' })
  async inclusionByEvent(@Param('eventId', new ParseUUIDPipe()) eventId: string, @Query('size', optionalSize) size?: number) {
    const entry = await this.query.entryByEvent(eventId);
    if (!entry) throw new NotFound(`event ${eventId} is not in the ledger (yet)`);
    return await this.#inclusion(entry, await this.query.checkpointFor(size));
  }

  @Get('ledger/consistency')
  @Public()
  @ApiOperation({ summary: 'Consistency proof (RFC 9162) that checkpoint `from` is a prefix of checkpoint `to`' })
  @ApiQuery({ name: 'from', required: true, description: 'Size of the older checkpoint' })
  @ApiQuery({ name: 'to', required: false, description: 'Size of the newer checkpoint (default: the latest)' })
  async consistency(@Query('from', ParseIntPipe) from: number, @Query('to', optionalSize) to?: number) {
    const older = await this.query.checkpointFor(from);
    const newer = await this.query.checkpointFor(to);
    if (older.size > newer.size) throw validationFailed([{ field: 'from', messages: ['from must not be larger than to'] }]);
    await this.tree.covers(newer.size);
    const proof = this.tree.tree.consistencyProof(older.size, newer.size);
    // Served only after checking it, so a bug here can never hand out a proof that fails for the client.
    verifyConsistency(older.size, newer.size, proof, Buffer.from(older.rootHex, 'hex'), Buffer.from(newer.rootHex, 'hex'));
    return { from: older.size, to: newer.size, proof: hex(proof), checkpoints: { from: older, to: newer } };
  }

  @Post('receipts/check')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Check a ballot receipt: in the latest signed checkpoint? superseded by a later version? counted at the close?',
    description:
      'The answer carries the inclusion proof and the signed checkpoint, so the check can be repeated without trusting this service. ' +
      'For a ballot it also says `superseded` (a later version of the same ballot is in the ledger; never what it says) and `counted` ' +
      '(the audit recount counted it at the close; null until the round is closed and recounted). It never shows a choice.',
  })
  async checkReceipt(@Body() receipt: ReceiptDto) {
    const leafHash = receipt.leafHash.toLowerCase();
    const entry = await this.query.entryByEvent(receipt.eventId);
    if (!entry) return { included: false, reason: `event ${receipt.eventId} is not in the ledger`, eventId: receipt.eventId };
    if (entry.leafHash !== leafHash) {
      return { included: false, reason: 'the ledger holds this event with a different leaf hash', eventId: receipt.eventId, index: entry.index };
    }
    const fate = (await this.query.ballotFate(entry.eventId)) ?? {};
    const checkpoint = await this.query.latestCheckpoint();
    if (!checkpoint || checkpoint.size <= entry.index) {
      return { included: false, pending: true, reason: 'the entry is in the ledger but not yet covered by a signed checkpoint', eventId: receipt.eventId, index: entry.index, ...fate };
    }
    return { included: true, ...fate, ...(await this.#inclusion(entry, checkpoint)) };
  }

  async #inclusion(entry: EntryView, checkpoint: CheckpointView) {
    if (entry.index >= checkpoint.size) {
      throw validationFailed([{ field: 'size', messages: [`entry ${entry.index} is not covered by the checkpoint of size ${checkpoint.size}`] }]);
    }
    await this.tree.covers(checkpoint.size);
    const proof = this.tree.tree.inclusionProof(entry.index, checkpoint.size);
    const root = rootFromInclusionProof(Buffer.from(entry.leafHash, 'hex'), entry.index, checkpoint.size, proof);
    if (root.toString('hex') !== checkpoint.rootHex) throw new Error(`inclusion proof of ${entry.index} does not reach the checkpoint root`);
    return {
      eventId: entry.eventId,
      index: entry.index,
      leafHash: entry.leafHash,
      entry,
      size: checkpoint.size,
      proof: hex(proof),
      checkpoint,
    };
  }
}
