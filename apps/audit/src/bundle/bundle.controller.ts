import { Controller, Get, Param, ParseIntPipe, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { NotFound } from '@plaza/contracts';
import { Public } from '@plaza/nest-runtime';
import type { Response } from 'express';
import { BundleService } from './bundle.service';

function write(res: Response, chunk: string): Promise<void> | void {
  if (res.write(chunk)) return;
  return new Promise((resolve) => res.once('drain', resolve));
}

@ApiTags('bundle')
@Controller('rounds/:roundId/bundle')
export class BundleController {
  constructor(private readonly bundles: BundleService) {}

  @Get()
  @Public()
  @ApiOperation({
    summary: "The manifest of a round's audit bundle at the latest checkpoint (or ?size=)",
    description: 'Lists the files with their SHA-256; fetch each from /rounds/:roundId/bundle/:file?size=<latestCheckpoint.size>. `plaza audit export` does both.',
  })
  @ApiQuery({ name: 'size', required: false, description: 'Cut the bundle at the checkpoint of this size' })
  async manifest(@Param('roundId', new ParseUUIDPipe()) roundId: string, @Res() res: Response, @Query('size', new ParseIntPipe({ optional: true })) size?: number) {
    const text = await this.bundles.manifest(roundId, size);
    res.status(200).type('application/json').send(text);
  }

  @Get(':file')
  @Public()
  @ApiOperation({ summary: 'One file of the bundle, byte for byte as the manifest lists it' })
  @ApiQuery({ name: 'size', required: false, description: 'The manifest’s latestCheckpoint.size (default: the latest checkpoint)' })
  async file(
    @Param('roundId', new ParseUUIDPipe()) roundId: string,
    @Param('file') name: string,
    @Res() res: Response,
    @Query('size', new ParseIntPipe({ optional: true })) size?: number,
  ) {
    let started = false;
    const found = await this.bundles.file(roundId, name, size, (chunk) => {
      if (!started) {
        started = true;
        res.status(200).type(name.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8');
      }
      return write(res, chunk);
    });
    if (!found) throw new NotFound(`the bundle has no file ${name}`);
    if (!started) res.status(200).type('text/plain; charset=utf-8');
    res.end();
  }
}
