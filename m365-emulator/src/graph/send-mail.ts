/**
 * `POST /users/{id|upn}/sendMail` (and `/me/sendMail`): validates the message like Exchange does,
 * then captures it in the outbox instead of delivering it. Answers 202 with an empty body.
 */
import { badRequest, GraphError } from './graph-error.js';
import type { EmulatedUser } from '../contracts.js';
import type { MailOutbox } from '../mail/mail-outbox.js';
import type { GraphRequest, GraphResponse } from './graph-request.js';

interface Recipient {
  emailAddress?: { address?: unknown; name?: unknown };
}

interface SendMailBody {
  message?: {
    subject?: unknown;
    body?: { contentType?: unknown; content?: unknown };
    toRecipients?: Recipient[];
    ccRecipients?: Recipient[];
    bccRecipients?: Recipient[];
  };
  saveToSentItems?: unknown;
}

function addresses(list: Recipient[] | undefined): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list))
    throw badRequest('The recipient list must be an array.', 'ErrorInvalidRecipients');
  return list.map((recipient) => {
    const address = recipient?.emailAddress?.address;
    if (typeof address !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(address)) {
      throw new GraphError(
        400,
        'ErrorInvalidRecipients',
        `At least one recipient isn't valid., Recipient '${String(address)}' is not resolved.`,
      );
    }
    return address;
  });
}

/** Captures a message sent as `sender`. */
export function sendMail(request: GraphRequest, senderKey: string, outbox: MailOutbox): GraphResponse {
  const sender: EmulatedUser | undefined = request.directory.getUser(senderKey);
  if (!sender) throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${senderKey}' is invalid.`);
  if (sender.mailboxType === null) {
    throw new GraphError(
      404,
      'MailboxNotEnabledForRESTAPI',
      'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
    );
  }
  let parsed: SendMailBody;
  try {
    parsed = JSON.parse(request.body.toString('utf8')) as SendMailBody;
  } catch {
    throw badRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
  const message = parsed?.message;
  if (!message || typeof message !== 'object')
    throw new GraphError(400, 'ErrorInvalidParameter', "The value of the parameter 'Message' is empty.");
  const to = addresses(message.toRecipients);
  const cc = addresses(message.ccRecipients);
  const bcc = addresses(message.bccRecipients);
  if (to.length + cc.length + bcc.length === 0) {
    throw new GraphError(
      400,
      'ErrorInvalidRecipients',
      'At least one recipient is required, but none were found.',
    );
  }
  const contentType =
    typeof message.body?.contentType === 'string' && message.body.contentType.toLowerCase() === 'html'
      ? 'HTML'
      : 'Text';
  outbox.capture({
    tenantId: request.directory.tenant.id,
    from: sender.mail ?? sender.userPrincipalName,
    to,
    cc,
    bcc,
    subject: typeof message.subject === 'string' ? message.subject : '',
    body: { contentType, content: typeof message.body?.content === 'string' ? message.body.content : '' },
    saveToSentItems: parsed.saveToSentItems !== false,
    appId: request.caller.appId,
  });
  return { status: 202 };
}
