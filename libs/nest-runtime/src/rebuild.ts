import { Body, ConflictException, Controller, HttpCode, Inject, Module, Post, type DynamicModule, type FactoryProvider } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProjectionRebuilder, RebuildInProgressError, type RebuildableProjection, type RebuildReport } from '@plaza/event-store';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { DataSource } from 'typeorm';
import { Roles } from './auth';
import { validationFailed } from './http';

/** The service's rebuildable read models (one Nest provider per service, listing its projection definitions). */
export const REBUILDABLE_PROJECTIONS = Symbol('REBUILDABLE_PROJECTIONS');

export class RebuildRequestDto {
  /** Which projection; may be left out when the service has one. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  projection?: string;

  /** Switch to the rebuilt tables even when their checksum differs from the live state's (repair). */
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

@ApiTags('admin')
@Controller('admin')
export class RebuildController {
  private readonly rebuilder: ProjectionRebuilder;

  constructor(
    @Inject(REBUILDABLE_PROJECTIONS) private readonly projections: readonly RebuildableProjection[],
    dataSource: DataSource,
  ) {
    this.rebuilder = new ProjectionRebuilder(dataSource);
  }

  @Post('rebuild')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary:
      "Rebuild a read model from the log into a copy of its tables while the live ones keep serving, then switch over (blue/green) and report both checksums",
  })
  async rebuild(@Body() dto: RebuildRequestDto): Promise<RebuildReport> {
    const names = this.projections.map((p) => p.name);
    const projection = dto.projection === undefined && this.projections.length === 1 ? this.projections[0] : this.projections.find((p) => p.name === dto.projection);
    if (!projection) throw validationFailed([{ field: 'projection', messages: [`projection must be one of: ${names.join(', ')}`] }]);
    try {
      return await this.rebuilder.rebuild(projection, { force: dto.force === true });
    } catch (error) {
      if (error instanceof RebuildInProgressError) throw new ConflictException({ statusCode: 409, error: 'Conflict', code: 'rebuild-in-progress', message: error.message });
      throw error;
    }
  }
}

/** POST /admin/rebuild for the projections the factory lists. */
@Module({})
export class RebuildModule {
  static forRoot(projections: Omit<FactoryProvider<readonly RebuildableProjection[]>, 'provide'>): DynamicModule {
    return {
      module: RebuildModule,
      providers: [{ ...projections, provide: REBUILDABLE_PROJECTIONS }],
      controllers: [RebuildController],
    };
  }
}
