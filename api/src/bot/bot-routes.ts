/**
 * The routes only the bot calls, for its own work rather than a command (R15): whether a Teams
 * user it is about to alert is a Global Administrator, and turning alerts on or off in a shared
 * conversation (`notify here` / `notify off`), audited. A bot credential names the user; the
 * tenant is the credential's, never the request's.
 */
import { routes } from '@cas/contracts';
import { channelNotificationsAuditEvent, type Store } from '@cas/core';
import { ApiError } from '../http/api-error.js';
import { actorOf, requirePrincipal } from '../http/principal-actor.js';
import { defineRoute } from '../http/route.js';
import type { AdministratorRoles } from '../auth/bot-credential.js';

/** What the bot routes need. */
export interface BotRoutesOptions {
  store: Pick<Store, 'transaction'>;
  /** The same cached role check the bot credential's principal comes from. */
  administrators: AdministratorRoles;
  newId: () => string;
  now?: () => Date;
}

/** The bot routes. */
export function botRoutes(options: BotRoutesOptions) {
  const now = options.now ?? (() => new Date());
  return [
    defineRoute(routes.botGlobalAdministrator, async ({ principal }) => {
      const { tenantId, userId } = requirePrincipal(principal);
      const outcome = await options.administrators.check(tenantId, userId);
      if (outcome === 'unknown') {
        throw new ApiError(
          503,
          'role_check_unavailable',
          'Microsoft Graph could not be asked whether this user is a Global Administrator of the tenant (no working access token for it).',
        );
      }
      return { json: { tenantId, userId, isGlobalAdministrator: outcome === 'administrator' } };
    }),
    defineRoute(routes.botChannelNotifications, async ({ principal, body }) => {
      const caller = requirePrincipal(principal);
      const at = now().toISOString();
      const answer = await options.store.transaction(async (tx) => {
        const conversation = await tx.conversations.get(caller.tenantId, body.conversationId);
        if (conversation === undefined) {
          throw new ApiError(
            404,
            'conversation_not_found',
            'The bot is not installed in this conversation of your tenant. Add the app here and try again.',
          );
        }
        if (conversation.kind === 'personal') {
          throw new ApiError(
            409,
            'not_a_shared_conversation',
            'Alerts reach Global Administrators in their personal chat with the bot already; notify here is for team channels and group chats.',
          );
        }
        const before = conversation.channelNotifications;
        // Turning on again keeps who did it first; only a change is recorded.
        if ((before !== null) === body.enabled) return before;
        const after = body.enabled ? { enabledBy: caller.userId, enabledAt: at } : null;
        await tx.conversations.setChannelNotifications(caller.tenantId, conversation.conversationId, after);
        await tx.audit.append(
          channelNotificationsAuditEvent(
            { id: options.newId(), tenantId: caller.tenantId, actor: actorOf(caller), at },
            { conversationId: conversation.conversationId, kind: conversation.kind, before, after },
          ),
        );
        return after;
      });
      return {
        json: {
          conversationId: body.conversationId,
          enabled: answer !== null,
          enabledBy: answer?.enabledBy ?? null,
          enabledAt: answer?.enabledAt ?? null,
        },
      };
    }),
  ];
}
