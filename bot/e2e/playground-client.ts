/**
 * Drives the Microsoft 365 Agents Playground (`@microsoft/m365agentsplayground`) the way its web UI
 * does, for end-to-end tests. Its HTTP and WebSocket endpoints are internal and undocumented
 * (read from the 0.2.x package), so every one of them is used here and nowhere else:
 * - `GET  /_internal/v1/config`                                  → tenant, users, chats
 * - `POST /_debug/conversation/:id/installation`                 → installationUpdate + conversationUpdate to the bot
 * - `POST /_conversation/v1/conversations/:id/messages`          → a user's message to the bot
 * - `POST /_conversation/v1/invoke`                              → `adaptiveCard/action` (Action.Execute)
 * - `WS   /_ws_conversation/v1/conversations/stream`             → what the bot posts (createMessage/updateMessage)
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PLAYGROUND_BOT, playgroundConfigYaml } from './playground-config.js';
import type { PlaygroundUser } from './playground-config.js';
import type { ChildProcess } from 'node:child_process';
import type WebSocketType from 'ws';

// `ws` ships with botbuilder (botframework-streaming); the Playground's stream needs a client and
// Node 20 has no WebSocket global without a flag.
const WebSocket = createRequire(import.meta.url)('ws') as typeof WebSocketType;

/** Options of `startPlayground`. */
export interface PlaygroundOptions {
  /** The bot's messaging endpoint, e.g. http://127.0.0.1:3978/api/messages. */
  readonly botEndpoint: string;
  /** Entra tenant of every conversation. */
  readonly tenantId: string;
  /** The signed-in user. */
  readonly user: PlaygroundUser;
  /** Port of the Playground (0 is not supported by it: pass a free one). */
  readonly port: number;
  /** Working directory for its config and log files. */
  readonly workDir: string;
}

/** A message the bot posted, as the Playground's UI receives it. */
export interface PlaygroundMessage {
  readonly action: 'createMessage' | 'updateMessage';
  readonly conversationId: string;
  readonly messageId: string;
  readonly text: string | undefined;
  /** Adaptive Card contents of the message's attachments. */
  readonly cards: readonly Record<string, unknown>[];
}

/** The answer of an `adaptiveCard/action` invoke, as the Playground passes it on (type and value only). */
export interface InvokeAnswer {
  readonly type: string;
  readonly value: unknown;
}

const CLI = createRequire(import.meta.url).resolve('@microsoft/m365agentsplayground/cli.js');

/** A running Playground with its conversation stream. */
export class PlaygroundClient {
  readonly origin: string;
  readonly #process: ChildProcess;
  readonly #socket: WebSocketType;
  readonly #messages: PlaygroundMessage[] = [];
  readonly #waiters = new Set<() => void>();
  #me = '';
  #personalChat = '';

  private constructor(origin: string, child: ChildProcess, socket: WebSocketType) {
    this.origin = origin;
    this.#process = child;
    this.#socket = socket;
    socket.on('message', (data) => this.#receive(String(data)));
  }

  /** Starts the Playground offline (no browser, no telemetry) against the bot and connects to its stream. */
  static async start(options: PlaygroundOptions): Promise<PlaygroundClient> {
    const configPath = join(options.workDir, '.m365agentsplayground.yml');
    await writeFile(configPath, playgroundConfigYaml(options.tenantId, options.user));
    const child = spawn(
      process.execPath,
      [
        CLI,
        'start',
        '--port',
        String(options.port),
        '--app-endpoint',
        options.botEndpoint,
        '--channel-id',
        'msteams',
        '--disable-telemetry',
      ],
      {
        cwd: options.workDir,
        env: {
          ...process.env,
          TEAMSAPPTESTER_BROWSER: 'none',
          M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath,
          TEAMSAPPTESTER_LOGFILE: join(options.workDir, 'playground.log'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const origin = `http://127.0.0.1:${options.port}`;
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`the Playground exited: ${output}`);
      return (await fetch(`${origin}/_debug/ping`).catch(() => undefined))?.ok === true;
    }, 30_000);
    const socket = new WebSocket(`ws://127.0.0.1:${options.port}/_ws_conversation/v1/conversations/stream`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new PlaygroundClient(origin, child, socket);
    const config = (await client.#json('GET', '/_internal/v1/config')) as {
      config: { currentUser: { id: string }; personalChat: { id: string } };
    };
    client.#me = config.config.currentUser.id;
    client.#personalChat = config.config.personalChat.id;
    return client;
  }

  /** The personal chat of the current user with the bot. */
  get personalChat(): string {
    return this.#personalChat;
  }

  /** Installs the bot in the conversation (what Teams sends when a user adds the app). */
  async install(conversationId = this.#personalChat): Promise<void> {
    await this.#json('POST', `/_debug/conversation/${encodeURIComponent(conversationId)}/installation`, {});
  }

  /**
   * The user types `text` in the conversation; returns the message id. Outside the personal chat
   * the bot only hears messages that @mention it (as in Teams), so those carry the mention.
   */
  async say(text: string, conversationId = this.#personalChat): Promise<string> {
    const mention = `<at>${PLAYGROUND_BOT.name}</at>`;
    const mentioned = conversationId !== this.#personalChat;
    const answer = (await this.#json(
      'POST',
      `/_conversation/v1/conversations/${encodeURIComponent(conversationId)}/messages`,
      {
        from: { id: this.#me },
        text: mentioned ? `${mention} ${text}` : text,
        textFormat: 'plain',
        ...(mentioned ? { mentions: [{ mentioned: { id: PLAYGROUND_BOT.id }, text: mention }] } : {}),
      },
    )) as { messageId: string };
    return answer.messageId;
  }

  /** The user presses an `Action.Execute` button of the bot's message `messageId`. */
  async pressButton(
    messageId: string,
    action: { verb: string; data?: Record<string, unknown>; title?: string },
    conversationId = this.#personalChat,
  ): Promise<InvokeAnswer> {
    return (await this.#json('POST', '/_conversation/v1/invoke', {
      name: 'adaptiveCard/action',
      from: { id: this.#me },
      conversation: { id: conversationId },
      replyToId: messageId,
      value: {
        action: { type: 'Action.Execute', verb: action.verb, data: action.data ?? {}, title: action.title },
        trigger: 'manual',
      },
    })) as InvokeAnswer;
  }

  /** Messages received so far. */
  get messages(): readonly PlaygroundMessage[] {
    return this.#messages;
  }

  /** Waits for a bot message after index `after` that matches. */
  async nextMessage(
    matches: (message: PlaygroundMessage) => boolean,
    options: { after?: number; timeoutMs?: number } = {},
  ): Promise<PlaygroundMessage> {
    const after = options.after ?? 0;
    const find = () => this.#messages.slice(after).find(matches);
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `no matching bot message; received: ${JSON.stringify(this.#messages.slice(after)).slice(0, 2000)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }

  /** Stops the Playground. */
  async close(): Promise<void> {
    this.#socket.close();
    if (this.#process.exitCode === null) {
      const exited = new Promise((resolve) => this.#process.once('exit', resolve));
      this.#process.kill('SIGTERM');
      await exited;
    }
  }

  #receive(data: string): void {
    const event = JSON.parse(data) as {
      action?: string;
      actionConversationId?: string;
      message?: {
        messageId?: string;
        text?: string;
        attachments?: { contentType?: string; content?: unknown }[];
      };
    };
    if (event.action !== 'createMessage' && event.action !== 'updateMessage') return;
    this.#messages.push({
      action: event.action,
      conversationId: event.actionConversationId ?? '',
      messageId: event.message?.messageId ?? '',
      text: event.message?.text,
      cards: (event.message?.attachments ?? [])
        .filter((attachment) => attachment.contentType === 'application/vnd.microsoft.card.adaptive')
        .map((attachment) => attachment.content as Record<string, unknown>),
    });
    for (const wake of [...this.#waiters]) wake();
  }

  async #json(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.origin}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`Playground ${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
    return text === '' ? undefined : JSON.parse(text);
  }
}

async function waitFor(ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
