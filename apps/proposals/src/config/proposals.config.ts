import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ConfigError, loadConfig, Secret, ServiceConfig } from '@plaza/nest-runtime';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && value !== '' ? Number(value) : value);

export class ProposalsConfig extends ServiceConfig {
  override PORT = 3001;

  /** How often the scheduler checks for rounds whose scheduled phase change is due; 0 turns the timer off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  SCHEDULER_INTERVAL_MS = 5000;

  /**
   * E-mail for notifications, all in one URL (`smtp://user:pass@host:587`, `smtps://…:465`). Unset together with
   * SMTP_HOST: no e-mail is sent or queued (the default, so development sends none).
   */
  @IsOptional()
  @Secret()
  @Matches(/^smtps?:\/\/\S+$/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  /** E-mail for notifications, host by host (instead of SMTP_URL). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9.:_-]{1,253}$/, { message: 'SMTP_HOST must be a host name or address' })
  SMTP_HOST?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  SMTP_PORT = 587;

  /** Implicit TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'SMTP_SECURE must be true or false' })
  SMTP_SECURE = false;

  @IsOptional()
  @IsString()
  SMTP_USER?: string;

  @IsOptional()
  @Secret()
  @IsString()
  SMTP_PASS?: string;

  /** The sender of every notification mail, e.g. `Plaza <plaza@city.example>`; required when e-mail is on. */
  @IsOptional()
  @Matches(/^[^\r\n]{3,300}$/, { message: 'SMTP_FROM must be one line, e.g. "Plaza <plaza@city.example>"' })
  SMTP_FROM?: string;

  /** How often queued notification mails are sent (when e-mail is on). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  MAIL_INTERVAL_MS = 2000;

  /** Where the links in notification mails point: the web app's public origin (e.g. https://plaza.city.example). */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+(\/\S*)?$/, { message: 'WEB_ORIGIN must be an http(s) URL' })
  WEB_ORIGIN?: string;

  /** Whether notification e-mail is configured (SMTP_URL or SMTP_HOST). */
  get mailEnabled(): boolean {
    return this.SMTP_URL !== undefined || this.SMTP_HOST !== undefined;
  }

  override productionProblems(): string[] {
    const problems = super.productionProblems();
    if (this.SMTP_HOST !== undefined && this.SMTP_USER !== undefined && !this.SMTP_SECURE && this.SMTP_PORT === 25) {
      problems.push('SMTP_PORT: 25 with a password and no TLS is refused when NODE_ENV=production (use 587 with STARTTLS or 465 with SMTP_SECURE=true)');
    }
    return problems;
  }

  /** Comments and reports a resident may write per minute (per instance; over it: 429 too-many-comments). */
  @Transform(({ value }) => (typeof value === 'string' && value !== '' ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(10_000)
  COMMENTS_PER_MINUTE = 10;
}

/** The fields that only make sense together, each problem naming its variable. */
export function smtpProblems(config: ProposalsConfig): string[] {
  const problems: string[] = [];
  if (config.SMTP_URL !== undefined && config.SMTP_HOST !== undefined) problems.push('SMTP_URL and SMTP_HOST: set one of them, not both');
  if (config.mailEnabled && config.SMTP_FROM === undefined) problems.push('SMTP_FROM: required when e-mail is on (SMTP_URL or SMTP_HOST is set)');
  if (!config.mailEnabled && (config.SMTP_USER !== undefined || config.SMTP_PASS !== undefined)) {
    problems.push('SMTP_USER/SMTP_PASS: given without SMTP_HOST');
  }
  if ((config.SMTP_USER === undefined) !== (config.SMTP_PASS === undefined)) problems.push('SMTP_USER and SMTP_PASS: set both or neither');
  return problems;
}

export function loadProposalsConfig(env: Record<string, string | undefined> = process.env): ProposalsConfig & { DB_SCHEMA: string } {
  const config = loadConfig(ProposalsConfig, env);
  const problems = smtpProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.assign(config, { DB_SCHEMA: config.DB_SCHEMA ?? 'proposals' });
}
