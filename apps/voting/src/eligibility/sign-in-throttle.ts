import { HttpException, HttpStatus, Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';

/** The one throttler of the voting service: code sign-ins per client address (CODE_SIGNIN_PER_MINUTE). */
export const SIGN_IN_WINDOW_MS = 60_000;

/**
 * Limits voting-code sign-ins per client address (Express's req.ip, so X-Forwarded-For from a trusted proxy,
 * see TRUST_PROXY). Over the limit: 429 with `Retry-After` and a refusal code the sign-in page explains.
 */
@Injectable()
export class SignInThrottleGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const wait = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    throw new HttpException(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'Too Many Requests',
        code: 'too-many-attempts',
        message: `too many sign-in attempts from this address (${detail.limit} a minute); try again in ${wait} s`,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
