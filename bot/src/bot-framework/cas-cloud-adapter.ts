/**
 * The Bot Framework CloudAdapter behind our HTTP endpoint: authenticates each activity first (401
 * for unsigned or forged ones, without echoing why), then runs the turn logic and returns the
 * invoke answer. Errors are logged here, never sent to the caller.
 */
import { CloudAdapter } from 'botbuilder';
import type {
  Activity,
  ConfigurationBotFrameworkAuthentication,
  InvokeResponse,
  TurnContext,
} from 'botbuilder';
import type { Logger } from 'pino';

type BotFrameworkAuthentication = ConfigurationBotFrameworkAuthentication;
type AuthenticateRequestResult = Awaited<ReturnType<BotFrameworkAuthentication['authenticateRequest']>>;

/** An HTTP answer for the activity endpoint. */
export interface ActivityHttpResult {
  readonly status: number;
  readonly body?: unknown;
}

/** CloudAdapter that exposes authentication and processing as separate steps. */
export class CasCloudAdapter extends CloudAdapter {
  readonly #authentication: BotFrameworkAuthentication;
  readonly #logger: Pick<Logger, 'warn' | 'error'>;

  constructor(authentication: BotFrameworkAuthentication, logger: Pick<Logger, 'warn' | 'error'>) {
    super(authentication);
    this.#authentication = authentication;
    this.#logger = logger;
    this.onTurnError = async (_context, error) => {
      this.#logger.error({ err: error }, 'bot turn failed');
    };
  }

  /** Handles one POST to /api/messages: the parsed body and the Authorization header. */
  async handleActivity(
    body: unknown,
    authorization: string | undefined,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<ActivityHttpResult> {
    if (typeof body !== 'object' || body === null || typeof (body as { type?: unknown }).type !== 'string') {
      return { status: 400 };
    }
    const activity = body as Activity;
    let authenticated: AuthenticateRequestResult;
    try {
      authenticated = await this.#authentication.authenticateRequest(activity, authorization ?? '');
    } catch (error) {
      this.#logger.warn(
        { reason: error instanceof Error ? error.message : String(error) },
        'activity refused: not authenticated',
      );
      return { status: 401 };
    }
    let invokeResponse: InvokeResponse | undefined;
    try {
      invokeResponse = await this.processActivity(authenticated, activity, logic);
    } catch (error) {
      this.#logger.error({ err: error, activityType: activity.type }, 'activity failed');
      return { status: 500 };
    }
    if (invokeResponse === undefined) return { status: activity.type === 'invoke' ? 501 : 200 };
    return { status: invokeResponse.status, body: invokeResponse.body };
  }
}
