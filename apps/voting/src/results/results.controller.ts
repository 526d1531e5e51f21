import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFound } from '@plaza/contracts';
import { Public } from '@plaza/nest-runtime';
import { VotingReadModel } from '../store/read-model';
import { resultsView, unitResultView } from './results.view';

@ApiTags('results')
@Controller('rounds/:roundId/results')
export class ResultsController {
  constructor(private readonly readModel: VotingReadModel) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Declared results of every unit (winners, spending, explanation) and participation figures' })
  async all(@Param('roundId', new ParseUUIDPipe()) roundId: string) {
    return resultsView(await this.readModel.results(roundId));
  }

  @Get(':unitId')
  @Public()
  @ApiOperation({ summary: 'Declared result of one unit with its participation figures' })
  async one(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Param('unitId') unitId: string) {
    const unit = unitResultView(resultsView(await this.readModel.results(roundId)), unitId);
    if (!unit) throw new NotFound(`unit ${unitId} is not part of round ${roundId}`);
    return unit;
  }
}
