import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CheckpointError, parseSignatureLine, toHex, verifyCosignature } from '@plaza/ledger';
import { Public, validationFailed } from '@plaza/nest-runtime';
import { quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import { IsInt, IsString, MaxLength, Min } from 'class-validator';
import { DataSource } from 'typeorm';
import { LedgerQuery } from './ledger-query';
import { Witnesses } from './witnesses';

/** What a witness submits: the size of the checkpoint it cosigned and its cosignature line. */
export class CosignatureDto {
  @IsInt()
  @Min(1)
  readonly size!: number;

  /** `— <witness name> <base64(key ID ‖ u64 timestamp ‖ Ed25519 signature)>` (C2SP tlog-cosignature). */
  @IsString()
  @MaxLength(1000)
  readonly cosignature!: string;
}

const refuse = (message: string) => validationFailed([{ field: 'cosignature', messages: [message] }]);

@ApiTags('proofs')
@Controller('ledger')
export class CosignaturesController {
  constructor(
    private readonly query: LedgerQuery,
    private readonly witnesses: Witnesses,
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
  ) {}

  @Get('witnesses')
  @Public()
  @ApiOperation({ summary: 'The witnesses whose cosignatures this service accepts (LEDGER_WITNESSES), as C2SP verifier keys' })
  list() {
    return { witnesses: this.witnesses.list.map((w) => ({ keyName: w.keyName, keyId: w.keyId.toString('hex'), verifierKey: w.verifierKey })) };
  }

  @Post('cosignatures')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Submit a witness cosignature (C2SP tlog-cosignature, Ed25519 cosignature/v1) of a signed checkpoint',
    description:
      'Checked before it is stored: the witness must be one of LEDGER_WITNESSES and the signature must verify over ' +
      '"cosignature/v1\\ntime <t>\\n" and the body of the checkpoint of `size`. 400 otherwise, nothing stored. ' +
      'Submitting the same witness twice for a checkpoint keeps the first cosignature.',
  })
  async submit(@Body() dto: CosignatureDto) {
    let line;
    try {
      line = parseSignatureLine(dto.cosignature);
    } catch (e) {
      throw refuse(`not a signed-note signature line: ${(e as Error).message}`);
    }
    const witness = this.witnesses.find(line.keyName, toHex(line.keyId));
    if (!witness) throw refuse(`${line.keyName} (key ${toHex(line.keyId)}) is not a witness this service is configured with (LEDGER_WITNESSES)`);
    const checkpoint = await this.query.checkpointAt(dto.size);
    if (!checkpoint) throw validationFailed([{ field: 'size', messages: [`no checkpoint of size ${dto.size}`] }]);
    let verified;
    try {
      verified = verifyCosignature(checkpoint.body, dto.cosignature, witness);
    } catch (e) {
      if (e instanceof CheckpointError) throw refuse(`refused: ${e.message} (size ${dto.size})`);
      throw e;
    }
    await this.dataSource.query(
      `INSERT INTO ${quoteIdent(this.schema)}.cosignatures (size, key_name, key_id, verifier_key, cosigned_at, line)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (size, key_name, key_id) DO NOTHING`,
      [dto.size, verified.keyName, verified.keyId, witness.verifierKey, verified.timestamp, verified.line],
    );
    return { accepted: true, size: dto.size, keyName: verified.keyName, keyId: verified.keyId, timestamp: verified.timestamp };
  }
}
