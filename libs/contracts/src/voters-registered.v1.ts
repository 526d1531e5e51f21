import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, Matches, ValidateNested } from 'class-validator';
import { UNIT_ID_PATTERN } from './round-config';
import { AGE_BANDS, type AgeBand, type VotersRegisteredPayload } from './voting.events';

// VotersRegistered schemaVersion 1, as stored by rounds registered before v2: each voter carried an age band and
// the voters came in the roll's (or code sheet's) order. Stored events are never rewritten: the ledger and every
// bundle keep these bytes; readers that interpret them take them through upcastVotersRegisteredV1.

export class RegisteredVoterV1 {
  @Matches(/^[0-9a-f]{64}$/)
  readonly pseudonym!: string;

  @Matches(UNIT_ID_PATTERN)
  readonly unitId!: string;

  @IsOptional()
  @IsIn(AGE_BANDS)
  readonly ageBand?: AgeBand;
}

export class VotersRegisteredPayloadV1 {
  @IsIn(['roll', 'codes'])
  readonly source!: 'roll' | 'codes';

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => RegisteredVoterV1)
  readonly voters!: RegisteredVoterV1[];
}

/** v1 → v2: the age bands are dropped (they were never part of what is counted); the voters' order is kept. */
export function upcastVotersRegisteredV1(payload: VotersRegisteredPayloadV1): VotersRegisteredPayload {
  return { source: payload.source, voters: payload.voters.map((v) => ({ pseudonym: v.pseudonym, unitId: v.unitId })) };
}
