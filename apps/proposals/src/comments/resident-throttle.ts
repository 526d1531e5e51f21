import { HttpException, HttpStatus, Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';

/** The throttler window of comments and reports: COMMENTS_PER_MINUTE per resident. */
export const COMMENT_WINDOW_MS = 60_000;

/**
 * Limits comments and reports per resident (the token subject, which the global auth guard has verified before
 * this guard runs), not per address: residents behind one address (a library, a school) do not share a quota.
 */
@Injectable()
export class ResidentThrottleGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const caller = req.caller as { sub?: string } | undefined;
    return Promise.resolve(caller?.sub ? `resident:${caller.sub}` : `ip:${String(req.ip)}`);
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const wait = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    throw new HttpException(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'Too Many Requests',
        code: 'too-many-comments',
        message: `too many comments and reports (${detail.limit} a minute); try again in ${wait} s`,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
