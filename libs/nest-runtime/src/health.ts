import { Controller, Get, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { KafkaAdmin } from '@plaza/kafka';
import { Public } from './auth/roles';
import { EventPipeline } from './event-pipeline';

@Injectable()
export class KafkaHealthIndicator {
  constructor(
    private readonly admin: KafkaAdmin,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async isHealthy(key: string) {
    const check = this.indicators.check(key);
    try {
      const { brokers } = await Promise.race([
        this.admin.ping(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout after 3000 ms')), 3000).unref()),
      ]);
      return check.up({ brokers });
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }
}

@Injectable()
export class RelayHealthIndicator {
  constructor(
    private readonly pipeline: EventPipeline,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async isHealthy(key: string) {
    const check = this.indicators.check(key);
    if (!this.pipeline.relay) return check.up({ relay: 'none' });
    const status = await this.pipeline.relay.status();
    return check.up({ pending: status.pending, oldestPendingRecordedAt: status.oldestPendingRecordedAt });
  }
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
    private readonly relay: RelayHealthIndicator,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Kafka answer; outbox relay backlog' })
  ready() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: 3000 }),
      () => this.kafka.isHealthy('kafka'),
      () => this.relay.isHealthy('outbox'),
    ]);
  }
}

@Module({})
export class HealthModule {
  static forRoot(pipelineModule: DynamicModule): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), pipelineModule],
      controllers: [HealthController],
      providers: [KafkaHealthIndicator, RelayHealthIndicator],
    };
  }
}
