import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsEmail, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { BodyLimits } from '../input';
import { AcceptsVotingCode, CurrentCaller, Public, ROLES, Roles, type Caller, type Role } from './roles';
import { TokenIssuer } from './token-issuer';

export class DevTokenRequestDto {
  @ApiProperty({ example: 'resident-1', description: 'Subject id: 1-200 letters, digits and . _ : @ -' })
  @Matches(/^[A-Za-z0-9._:@-]{1,200}$/, { message: 'sub must be 1-200 letters, digits or . _ : @ -' })
  sub!: string;

  @ApiProperty({ example: ['resident'], enum: ROLES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles!: Role[];

  @ApiPropertyOptional({ example: 3600, description: 'Lifetime in seconds (60 s to 7 days; default AUTH_TOKEN_TTL_SECONDS)' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(7 * 24 * 3600)
  ttlSeconds?: number;

  @ApiPropertyOptional({ example: 'resident@example.org', description: 'An email claim, as an identity provider may add' })
  @IsOptional()
  @IsEmail()
  email?: string;
}

class IssuedTokenDto {
  @ApiProperty({ description: 'Send as "Authorization: Bearer <token>"' })
  token!: string;

  @ApiProperty({ example: '2026-11-25T18:00:00.000Z' })
  expiresAt!: string;
}

/** Served by every service: what this service makes of a token. */
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  @Get('me')
  @Roles(...ROLES)
  @AcceptsVotingCode()
  @ApiOperation({ summary: 'The caller this service sees in the bearer token: subject, roles, voting code' })
  me(@CurrentCaller() caller: Caller) {
    return { sub: caller.sub, roles: caller.roles, ...(caller.votingCode ? { votingCode: caller.votingCode } : {}) };
  }
}

/** The development identity provider: registered only when AUTH_DEV_IDP=true, so it is a 404 otherwise. */
@ApiTags('auth')
@Controller('auth/dev')
export class DevTokenController {
  constructor(private readonly issuer: TokenIssuer) {}

  @Post('token')
  @HttpCode(200)
  @Public()
  @BodyLimits({ maxBytes: 16 * 1024, maxDepth: 3 })
  @ApiOperation({ summary: 'Development only (AUTH_DEV_IDP=true): a token for any subject and roles, no password' })
  @ApiOkResponse({ type: IssuedTokenDto })
  token(@Body() dto: DevTokenRequestDto) {
    return this.issuer.issue({ sub: dto.sub, roles: dto.roles, ttlSeconds: dto.ttlSeconds, ...(dto.email !== undefined ? { email: dto.email } : {}) });
  }
}
