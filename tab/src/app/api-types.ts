/**
 * Shapes of the API's JSON, as docs/api.md describes them. Domain values (services, scopes,
 * notifications, sync runs) are @cas/core's types, so tab and API cannot drift apart silently.
 */
import type {
  ConsentStep,
  Notification,
  ServiceAccountStatus,
  ServiceId,
  SyncRun,
  SyncScope,
  Target,
  TokenFailureCause,
} from '@cas/core';

/** `GET /api/me`. */
export interface Me {
  readonly tenantId: string;
  readonly userId: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly isGlobalAdministrator: boolean;
  /** What the user's directory roles let them do: change, only read, or nothing here. */
  readonly access: 'administrator' | 'reader' | 'none';
  /** False when neither the token nor Graph told the roles. */
  readonly rolesKnown: boolean;
}

/** One consent step of a service as the wizard and Service Account show it. */
export interface ConsentStepView {
  readonly step: ConsentStep;
  readonly stepNumber: number;
  readonly resource: string;
  readonly roles: readonly string[];
  readonly purpose: string;
  readonly granted: boolean;
  readonly grantedAt: string | null;
  readonly grantedBy: string | null;
  readonly grantedRoles: readonly string[];
}

/** One service's tile and wizard state. */
export interface ServiceView {
  readonly service: ServiceId;
  readonly name: string;
  readonly status: ServiceAccountStatus;
  readonly scope: SyncScope | null;
  readonly targets: readonly Target[];
  readonly protectedAt: string | null;
  readonly lastVerifiedAt: string | null;
  readonly tokenFailure: { readonly cause: TokenFailureCause; readonly message: string } | null;
  readonly consentSteps: readonly ConsentStepView[];
  readonly lastSync: SyncRun | null;
  /** Users in the protected directory (synchronized snapshot); null before protection. */
  readonly protectedUsers?: number | null;
}

/** `GET /api/provisioning`: the dashboard. */
export interface ProvisioningView {
  readonly tenantId: string;
  readonly version: string;
  readonly services: readonly ServiceView[];
  readonly scopeLock: {
    readonly scope: SyncScope;
    readonly service: ServiceId;
    readonly reason: string;
  } | null;
  readonly extend: { readonly available: boolean; readonly reason: string | null };
  readonly manualSync: { readonly allowed: boolean; readonly reason: string | null };
  readonly unreadNotifications: number;
}

/** `POST …/consent/:step` and `…/service-account/token/:step`. */
export interface ConsentStart {
  readonly url: string;
  readonly stepNumber: number;
  readonly resource: string;
  readonly roles: readonly string[];
  readonly purpose: string;
}

/** The consent popup's result message (`cas-consent-result`). */
export interface ConsentResult {
  readonly type: 'cas-consent-result';
  readonly ok: boolean;
  readonly code: string;
  readonly message: string;
  readonly service?: ServiceId;
  readonly step?: ConsentStep;
}

/** A directory user as the target picker returns it. */
export interface DirectoryUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly mail: string | null;
}

/** A directory group as By Group returns it. */
export interface DirectoryGroup {
  readonly id: string;
  readonly displayName: string;
  readonly kind: string;
  readonly mail: string | null;
}

/** One policy of a service in `GET /api/policies`. */
export interface PolicyView {
  readonly id: string;
  /** "Advanced Threat Protection" or "Data Loss Prevention". */
  readonly name: string;
  /** True while the service is protected (a working token reaches it). */
  readonly active: boolean;
}

/** `GET /api/policies`: the policies of every service and the **General** view. */
export interface PoliciesView {
  readonly services: readonly {
    readonly service: ServiceId;
    readonly name: string;
    readonly policies: readonly PolicyView[];
  }[];
  readonly general: {
    readonly manualSync: {
      readonly label: string;
      readonly allowed: boolean;
      readonly reason: string | null;
    };
    readonly lastRun: SyncRun | null;
  };
}

/** `GET /api/targets/groups/:groupId/users`: at most 100 users; `more` when the group has others. */
export interface GroupUsersPage {
  readonly users: readonly DirectoryUser[];
  readonly more: boolean;
}

/** `GET /api/service-account`. */
export interface ServiceAccountView extends ServiceView {
  readonly tenantId: string;
}

/** The tenant's Graph change notifications, as `GET /api/service-account` reports them. */
export interface ChangeNotificationsView {
  /** `notSetUp` until the worker first subscribed (or notifications are not configured). */
  readonly state: 'active' | 'failing' | 'off' | 'notSetUp';
  readonly cause: string | null;
  readonly renewedAt: string | null;
  readonly expiresAt: string | null;
  readonly since: string | null;
  /** The sentence to show ("Change notifications: active, renewed …"). */
  readonly message: string;
}

/** `PUT …/provisioning` (Done). */
export interface DoneResult {
  readonly provisioning: ProvisioningView;
  readonly message: string;
  readonly syncRuns: readonly SyncRun[];
}

/** `POST /api/extend` (Submit). */
export interface ExtendResult {
  readonly message?: string;
  readonly services: readonly ServiceId[];
  readonly syncRuns: readonly SyncRun[];
}

/** `GET /api/notifications`. */
export interface NotificationList {
  readonly notifications: readonly Notification[];
  readonly unread: number;
}

/** The API's error body. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string } & Readonly<Record<string, unknown>>;
}
