/**
 * Bot Framework authentication from our configuration: SingleTenant app id, password and tenant.
 * Only in mode `none` (the explicit development setting, local clients only) is every activity
 * accepted: that is how the Microsoft 365 Agents Playground talks to a local bot.
 */
import {
  CallerIdConstants,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
} from 'botbuilder';

/**
 * Bot Framework's public-cloud endpoints. botbuilder falls back to them only when no endpoint is
 * configured at all, so overriding the key location means restating the rest.
 */
const PUBLIC_CLOUD = {
  ValidateAuthority: true,
  ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
  ToChannelFromBotOAuthScope: 'https://api.botframework.com',
  ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
  OAuthUrl: 'https://api.botframework.com',
  ToBotFromEmulatorOpenIdMetadataUrl:
    'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
  CallerId: CallerIdConstants.PublicAzureChannel,
} as const;

/** The configuration values authentication reads. */
export interface BotAuthenticationSettings {
  /** `BOT_AUTHENTICATION`: `none` turns authentication off (development only). */
  readonly mode: 'botFramework' | 'none';
  /** `BOT_ID`; required with `botFramework`. */
  readonly appId: string;
  /** `SECRET_BOT_PASSWORD`. */
  readonly password: string;
  /** `BOT_TENANT_ID`. */
  readonly tenantId: string;
  /**
   * Where the Bot Connector's signing keys are published. Default Bot Framework's public cloud;
   * tests point it at a local key server.
   */
  readonly channelOpenIdMetadataUrl?: string;
}

/** Creates the Bot Framework authentication of the bot. */
export function createBotAuthentication(
  settings: BotAuthenticationSettings,
): ConfigurationBotFrameworkAuthentication {
  // botbuilder silently turns authentication off for an empty app id: only the explicit mode may.
  if (settings.mode === 'botFramework' && settings.appId === '') {
    throw new Error('Bot Framework authentication needs an app id (BOT_ID)');
  }
  const appId = settings.mode === 'none' ? '' : settings.appId;
  const singleTenant = appId !== '';
  const credentials = new ConfigurationServiceClientCredentialFactory({
    MicrosoftAppId: appId,
    MicrosoftAppPassword: singleTenant ? settings.password : '',
    MicrosoftAppType: singleTenant ? 'SingleTenant' : 'MultiTenant',
    MicrosoftAppTenantId: singleTenant ? settings.tenantId : undefined,
  });
  return new ConfigurationBotFrameworkAuthentication(
    {
      MicrosoftAppId: appId,
      MicrosoftAppTenantId: singleTenant ? settings.tenantId : undefined,
      ...(settings.channelOpenIdMetadataUrl !== undefined
        ? { ...PUBLIC_CLOUD, ToBotFromChannelOpenIdMetadataUrl: settings.channelOpenIdMetadataUrl }
        : {}),
    },
    credentials,
  );
}
