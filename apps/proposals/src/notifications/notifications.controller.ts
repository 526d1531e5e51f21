import { Body, Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFound } from '@plaza/contracts';
import { CLOCK, CurrentCaller, Roles, type Caller, type Clock } from '@plaza/nest-runtime';
import { subject } from '../caller';
import { seesDrafts } from '../rounds/rounds.controller';
import { ReadModel } from '../store/queries';
import { MAIL_CONFIG, type MailConfig } from './mail.sender';
import {
  EmailResponse,
  FollowResponse,
  MarkedResponse,
  NotificationPageResponse,
  NotificationsQuery,
  SetEmailDto,
  UnreadCountResponse,
} from './dto/notification.dto';
import { NotificationsStore } from './notifications.store';

const RoundId = () => Param('roundId', new ParseUUIDPipe());
const ProposalId = () => Param('proposalId', new ParseUUIDPipe());
/** Anyone signed in may follow and be notified; the service keeps it per token subject. */
const SignedIn = () => Roles('resident', 'staff', 'admin', 'auditor');

/**
 * Follows, notifications and the e-mail address: the resident's own data, kept in this service's tables only
 * (never events, never in the ledger). Every call also remembers the token's `email` claim, unless the resident set
 * an address of their own.
 */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller()
export class NotificationsController {
  constructor(
    private readonly store: NotificationsStore,
    private readonly readModel: ReadModel,
    @Inject(MAIL_CONFIG) private readonly mail: MailConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('rounds/:roundId/follow')
  @SignedIn()
  @ApiOperation({ summary: 'Whether you follow the round' })
  @ApiOkResponse({ type: FollowResponse })
  async followingRound(@RoundId() roundId: string, @CurrentCaller() caller: Caller | undefined): Promise<FollowResponse> {
    const me = await this.me(caller);
    await this.visibleRound(roundId, caller);
    return { following: await this.store.isFollowing(me, roundId, null) };
  }

  @Post('rounds/:roundId/follow')
  @HttpCode(200)
  @SignedIn()
  @ApiOperation({ summary: 'Follow a round: be told when its phase changes' })
  @ApiOkResponse({ type: FollowResponse })
  @ApiNotFoundResponse()
  async followRound(@RoundId() roundId: string, @CurrentCaller() caller: Caller | undefined): Promise<FollowResponse> {
    const me = await this.me(caller);
    await this.visibleRound(roundId, caller);
    await this.store.follow(me, roundId, null, this.clock());
    return { following: true };
  }

  @Delete('rounds/:roundId/follow')
  @SignedIn()
  @ApiOperation({ summary: 'Stop following a round' })
  @ApiOkResponse({ type: FollowResponse })
  async unfollowRound(@RoundId() roundId: string, @CurrentCaller() caller: Caller | undefined): Promise<FollowResponse> {
    await this.store.unfollow(await this.me(caller), roundId, null);
    return { following: false };
  }

  @Get('rounds/:roundId/proposals/:proposalId/follow')
  @SignedIn()
  @ApiOperation({ summary: 'Whether you follow the proposal' })
  @ApiOkResponse({ type: FollowResponse })
  async followingProposal(@RoundId() roundId: string, @ProposalId() proposalId: string, @CurrentCaller() caller: Caller | undefined): Promise<FollowResponse> {
    const me = await this.me(caller);
    await this.visibleProposal(roundId, proposalId, caller);
    return { following: await this.store.isFollowing(me, roundId, proposalId) };
  }

  @Post('rounds/:roundId/proposals/:proposalId/follow')
  @HttpCode(200)
  @SignedIn()
  @ApiOperation({ summary: 'Follow a proposal: be told when staff review or decide on it' })
  @ApiOkResponse({ type: FollowResponse })
  @ApiNotFoundResponse()
  async followProposal(@RoundId() roundId: string, @ProposalId() proposalId: string, @CurrentCaller() caller: Caller | undefined): Promise<FollowResponse> {
    const me = await this.me(caller);
    await this.visibleProposal(roundId, proposalId, caller);
    await this.store.follow(me, roundId, proposalId, this.clock());
    return { following: true };
  }

  @Delete('rounds/:roundId/proposals/:proposalId/follow')
  @SignedIn()
  @ApiOperation({ summary: 'Stop following a proposal' })
  @ApiOkResponse({ type: FollowResponse })
  async unfollowProposal(@RoundId() roundId: string, @ProposalId() proposalId: string, @CurrentCaller() caller: Caller | undefined): Promise<FollowResponse> {
    await this.store.unfollow(await this.me(caller), roundId, proposalId);
    return { following: false };
  }

  @Get('notifications')
  @SignedIn()
  @ApiOperation({ summary: 'Your notifications, newest first (paged; ?unread=true for unread only), with the unread count' })
  @ApiOkResponse({ type: NotificationPageResponse })
  async list(@Query() query: NotificationsQuery, @CurrentCaller() caller: Caller | undefined): Promise<NotificationPageResponse> {
    return this.store.page(await this.me(caller), { unreadOnly: query.unread ?? false, limit: query.limit ?? 50, offset: query.offset ?? 0 });
  }

  @Get('notifications/unread-count')
  @SignedIn()
  @ApiOperation({ summary: 'How many of your notifications are unread (the bell)' })
  @ApiOkResponse({ type: UnreadCountResponse })
  async unread(@CurrentCaller() caller: Caller | undefined): Promise<UnreadCountResponse> {
    return { unread: await this.store.unreadCount(await this.me(caller)) };
  }

  @Post('notifications/:notificationId/read')
  @HttpCode(200)
  @SignedIn()
  @ApiOperation({ summary: 'Mark one of your notifications read' })
  @ApiOkResponse({ type: MarkedResponse })
  @ApiNotFoundResponse()
  async markRead(@Param('notificationId', new ParseUUIDPipe()) notificationId: string, @CurrentCaller() caller: Caller | undefined): Promise<MarkedResponse> {
    if (!(await this.store.markRead(await this.me(caller), notificationId, this.clock()))) throw new NotFound(`notification ${notificationId} does not exist`);
    return { marked: 1 };
  }

  @Post('notifications/read')
  @HttpCode(200)
  @SignedIn()
  @ApiOperation({ summary: 'Mark all your notifications read' })
  @ApiOkResponse({ type: MarkedResponse })
  async markAllRead(@CurrentCaller() caller: Caller | undefined): Promise<MarkedResponse> {
    return { marked: await this.store.markAllRead(await this.me(caller), this.clock()) };
  }

  @Get('me/email')
  @SignedIn()
  @ApiOperation({ summary: 'The address notification mail goes to, and whether this Plaza sends mail' })
  @ApiOkResponse({ type: EmailResponse })
  async email(@CurrentCaller() caller: Caller | undefined): Promise<EmailResponse> {
    const row = await this.store.email(await this.me(caller));
    return { email: row?.email ?? null, source: row?.source ?? null, mailEnabled: this.mail.mailEnabled };
  }

  @Put('me/email')
  @SignedIn()
  @ApiOperation({ summary: "Set the address notification mail goes to (it replaces the sign-in token's)" })
  @ApiOkResponse({ type: EmailResponse })
  async setEmail(@Body() dto: SetEmailDto, @CurrentCaller() caller: Caller | undefined): Promise<EmailResponse> {
    await this.store.setEmail(subject(caller), dto.email, this.clock());
    return { email: dto.email, source: 'resident', mailEnabled: this.mail.mailEnabled };
  }

  @Delete('me/email')
  @SignedIn()
  @ApiOperation({ summary: 'Forget your address: no more mail (a later sign-in token with an email claim sets it again)' })
  @ApiOkResponse({ type: EmailResponse })
  async deleteEmail(@CurrentCaller() caller: Caller | undefined): Promise<EmailResponse> {
    await this.store.deleteEmail(subject(caller));
    return { email: null, source: null, mailEnabled: this.mail.mailEnabled };
  }

  /** The caller's subject, remembering the token's email claim on the way. */
  private async me(caller: Caller | undefined): Promise<string> {
    const me = subject(caller);
    if (caller?.email !== undefined) await this.store.recordTokenEmail(me, caller.email, this.clock());
    return me;
  }

  private async visibleRound(roundId: string, caller: Caller | undefined): Promise<void> {
    const round = await this.readModel.round(roundId);
    if (!round || (round.phase === 'draft' && !seesDrafts(caller))) throw new NotFound(`round ${roundId} does not exist`);
  }

  private async visibleProposal(roundId: string, proposalId: string, caller: Caller | undefined): Promise<void> {
    await this.visibleRound(roundId, caller);
    const proposal = await this.readModel.proposal(proposalId);
    if (!proposal || proposal.roundId !== roundId) throw new NotFound(`proposal ${proposalId} does not exist in round ${roundId}`);
  }
}
