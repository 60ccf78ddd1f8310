/**
 * A second Teams client for end-to-end tests: one personal chat of another user, on this
 * machine. It posts activities to the bot itself and plays the Bot Connector the bot answers
 * to (its `serviceUrl`), recording every activity the bot sends into the chat. The Playground
 * plays one user only; this is how a test gives a non-admin employee a chat with the bot.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the bot sent into the chat. */
export interface ReceivedActivity {
  readonly path: string;
  readonly activity: {
    readonly type?: string;
    readonly attachments?: readonly { readonly content?: unknown }[];
  };
}

/** A personal chat of `user` with the bot at `botEndpoint`. */
export class LocalTeamsChat {
  /** Every activity the bot sent into the chat, in order. */
  readonly received: readonly ReceivedActivity[];
  readonly #server: Server;
  readonly #serviceUrl: string;
  readonly #options: LocalTeamsChatOptions;

  private constructor(server: Server, options: LocalTeamsChatOptions, received: readonly ReceivedActivity[]) {
    this.received = received;
    this.#server = server;
    this.#options = options;
    this.#serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  /** Starts the chat's connector on a free loopback port. */
  static async start(options: LocalTeamsChatOptions): Promise<LocalTeamsChat> {
    const received: ReceivedActivity[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        if (req.method === 'POST' && /\/v3\/conversations\/[^/]+\/activities/.test(req.url ?? '')) {
          received.push({
            path: req.url ?? '',
            activity: text === '' ? {} : (JSON.parse(text) as ReceivedActivity['activity']),
          });
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `activity-${received.length}` }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // The server records into the array the test reads.
    return new LocalTeamsChat(server, options, received);
  }

  /** The chat's conversation id. */
  get conversationId(): string {
    return this.#options.conversationId;
  }

  /** The user installs the app: Teams sends `installationUpdate` add. */
  async install(): Promise<void> {
    await this.#post({ type: 'installationUpdate', action: 'add' });
  }

  /** Stops the connector. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #post(activity: Record<string, unknown>): Promise<void> {
    const response = await fetch(this.#options.botEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: `incoming-${Date.now()}`,
        channelId: 'msteams',
        serviceUrl: this.#serviceUrl,
        from: {
          id: `29:${this.#options.user.aadObjectId}`,
          aadObjectId: this.#options.user.aadObjectId,
          name: this.#options.user.name,
        },
        recipient: { id: '28:bot', name: 'Cloud App Security' },
        conversation: {
          id: this.#options.conversationId,
          tenantId: this.#options.tenantId,
          conversationType: 'personal',
        },
        channelData: { tenant: { id: this.#options.tenantId } },
        ...activity,
      }),
    });
    if (!response.ok) throw new Error(`the bot answered ${response.status}: ${await response.text()}`);
  }
}

/** Options of `LocalTeamsChat.start`. */
export interface LocalTeamsChatOptions {
  /** The bot's messaging endpoint. */
  readonly botEndpoint: string;
  readonly tenantId: string;
  readonly conversationId: string;
  readonly user: { readonly aadObjectId: string; readonly name: string };
}
