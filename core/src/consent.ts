/**
 * The admin-consent steps of each service and the application roles each must prove (R5, R6),
 * as data the API, the tab and the emulator's tests all read.
 */
import type { ConsentStep } from './model.js';
import type { ServiceId } from './services.js';

/** A Microsoft resource API our app asks application permissions of. */
export interface ConsentResource {
  readonly displayName: string;
  readonly appId: string;
  /** Application ID URI: the audience of its tokens and the prefix of its `/.default` scope. */
  readonly identifierUri: string;
}

/** Office 365 Exchange Online, the resource of Exchange Web Services (EWS). */
export const EXCHANGE_ONLINE_RESOURCE: ConsentResource = {
  displayName: 'Office 365 Exchange Online',
  appId: '00000002-0000-0ff1-ce00-000000000000',
  identifierUri: 'https://outlook.office365.com',
};

/** Microsoft Graph. */
export const MICROSOFT_GRAPH_RESOURCE: ConsentResource = {
  displayName: 'Microsoft Graph',
  appId: '00000003-0000-0000-c000-000000000000',
  identifierUri: 'https://graph.microsoft.com',
};

/**
 * Our multi-tenant app registrations an admin consents to: one per consent step, each holding only
 * what its step needs, because Entra's `/.default` consent grants every permission of a
 * registration at once (docs/adr/0013-one-app-registration-per-consent-step.md).
 */
export const CONSENT_APP_IDS = [
  'exchangeOnlineEws',
  'exchangeOnlineGraph',
  'sharePointOnlineGraph',
  'oneDriveGraph',
] as const;

/** One of {@link CONSENT_APP_IDS}. */
export type ConsentAppId = (typeof CONSENT_APP_IDS)[number];

/** One of our consent apps: its name in customers' tenants and the resource it asks roles of. */
export interface ConsentApp {
  readonly id: ConsentAppId;
  /** Display name of the registration: what the consent page and Enterprise applications show. */
  readonly displayName: string;
  readonly resource: ConsentResource;
}

/** What one consent step asks for and must prove after Accept. */
export interface ConsentStepRequirement {
  readonly step: ConsentStep;
  /** Position in the wizard, 1-based ("Step 1", "Step 2"). */
  readonly stepNumber: number;
  /** The app registration this step consents to and proves with (R6). */
  readonly app: ConsentAppId;
  /** Its display name, as the consent page shows it. */
  readonly appDisplayName: string;
  readonly resource: ConsentResource;
  /** Application roles the app-only token must carry, spelled exactly as Entra emits them (R6). */
  readonly roles: readonly string[];
  /** Why the admin grants it, completing "Accept to grant Cloud App Security permissions …". */
  readonly purpose: string;
}

/** Configuration that changes the consent steps. */
export interface ConsentOptions {
  /**
   * Whether Step 1 asks for Exchange Web Services. EWS in Exchange Online is blocked by default
   * from 1 Oct 2026 and shut down 1 Apr 2027; when false, quarantine runs through Graph alone.
   */
  readonly ewsEnabled: boolean;
}

/** The directory roles every service needs to synchronize users and groups. */
const DIRECTORY_ROLES = ['User.Read.All', 'GroupMember.Read.All'] as const;

/**
 * The role with which we check, through Graph's role assignments, that the Teams user behind a bot
 * command or card is a Global Administrator. Every service's bot commands and alerts depend on it,
 * so every Graph step proves it (R6) and the health check watches it (R9); see
 * `docs/adr/0010-one-token-incident-per-tenant.md`.
 */
export const ADMINISTRATOR_CHECK_ROLE = 'RoleManagement.Read.Directory';

/** Every consent app, by id. */
export const CONSENT_APPS: Readonly<Record<ConsentAppId, ConsentApp>> = {
  exchangeOnlineEws: {
    id: 'exchangeOnlineEws',
    displayName: 'Cloud App Security for Exchange Online (EWS)',
    resource: EXCHANGE_ONLINE_RESOURCE,
  },
  exchangeOnlineGraph: {
    id: 'exchangeOnlineGraph',
    displayName: 'Cloud App Security for Exchange Online',
    resource: MICROSOFT_GRAPH_RESOURCE,
  },
  sharePointOnlineGraph: {
    id: 'sharePointOnlineGraph',
    displayName: 'Cloud App Security for SharePoint Online',
    resource: MICROSOFT_GRAPH_RESOURCE,
  },
  oneDriveGraph: {
    id: 'oneDriveGraph',
    displayName: 'Cloud App Security for OneDrive',
    resource: MICROSOFT_GRAPH_RESOURCE,
  },
};

/** The Graph app of a service: its Graph step consents to it, its sync reads the directory with it. */
export const GRAPH_APP_OF: Readonly<Record<ServiceId, ConsentAppId>> = {
  exchangeOnline: 'exchangeOnlineGraph',
  sharePointOnline: 'sharePointOnlineGraph',
  oneDrive: 'oneDriveGraph',
};

/** The Graph apps in product order (the API reads the directory with whichever a tenant granted). */
export const GRAPH_APP_IDS: readonly ConsentAppId[] = [
  GRAPH_APP_OF.exchangeOnline,
  GRAPH_APP_OF.sharePointOnline,
  GRAPH_APP_OF.oneDrive,
];

/** True when the value names one of our consent apps. */
export function isConsentAppId(value: unknown): value is ConsentAppId {
  return typeof value === 'string' && (CONSENT_APP_IDS as readonly string[]).includes(value);
}

interface StepTemplate {
  readonly app: ConsentAppId;
  readonly step: ConsentStep;
  readonly resource: ConsentResource;
  readonly roles: readonly string[];
  readonly purpose: string;
}

const EWS_STEP: StepTemplate = {
  app: 'exchangeOnlineEws',
  step: 'exchangeWebServices',
  resource: EXCHANGE_ONLINE_RESOURCE,
  roles: ['full_access_as_app'],
  purpose: 'to use the Exchange Web Service (EWS) managed API for quarantine management',
};

const GRAPH_PURPOSES: Readonly<Record<ServiceId, string>> = {
  exchangeOnline: 'to use the Graph API to access all mailboxes',
  sharePointOnline: 'to use the Graph API to read all SharePoint sites',
  oneDrive: 'to use the Graph API to read all OneDrive files',
};

// Mail.ReadWrite serves both mailbox scanning and, without EWS, quarantine by moving messages.
const GRAPH_SERVICE_ROLES: Readonly<Record<ServiceId, readonly string[]>> = {
  exchangeOnline: ['Mail.ReadWrite'],
  sharePointOnline: ['Sites.Read.All'],
  oneDrive: ['Files.Read.All'],
};

function graphStep(service: ServiceId, ewsEnabled: boolean): StepTemplate {
  const graphOnlyQuarantine = service === 'exchangeOnline' && !ewsEnabled;
  return {
    app: GRAPH_APP_OF[service],
    step: 'microsoftGraph',
    resource: MICROSOFT_GRAPH_RESOURCE,
    roles: [...DIRECTORY_ROLES, ADMINISTRATOR_CHECK_ROLE, ...GRAPH_SERVICE_ROLES[service]],
    purpose: graphOnlyQuarantine
      ? 'to use the Graph API to access all mailboxes and for quarantine management'
      : GRAPH_PURPOSES[service],
  };
}

/** R5: the consent steps of a service's wizard, in the order they must be granted. */
export function requiredConsentSteps(
  service: ServiceId,
  options: ConsentOptions,
): readonly ConsentStepRequirement[] {
  const templates =
    service === 'exchangeOnline' && options.ewsEnabled
      ? [EWS_STEP, graphStep(service, true)]
      : [graphStep(service, options.ewsEnabled)];
  return templates.map((template, index) => ({
    ...template,
    appDisplayName: CONSENT_APPS[template.app].displayName,
    stepNumber: index + 1,
  }));
}

/** The requirement of one step of a service, or undefined when that service does not use the step. */
export function consentStepRequirement(
  service: ServiceId,
  step: ConsentStep,
  options: ConsentOptions,
): ConsentStepRequirement | undefined {
  return requiredConsentSteps(service, options).find((requirement) => requirement.step === step);
}

/**
 * R6: the roles a step needs that the granted token lacks, in the requirement's order. Compared
 * case-sensitively because Entra emits role values exactly as the resource defines them.
 */
export function missingRoles(
  requirement: Pick<ConsentStepRequirement, 'roles'>,
  grantedRoles: readonly string[],
): string[] {
  const granted = new Set(grantedRoles);
  return requirement.roles.filter((role) => !granted.has(role));
}
