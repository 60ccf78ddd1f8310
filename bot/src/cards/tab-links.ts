/** Deep links from cards into the tab's static pages (Teams `l/entity` links). */

/** Entity ids of the app's static tabs (the manifest's `staticTabs[].entityId`). */
export type TabEntityId = 'dashboard' | 'serviceAccount' | 'notifications' | 'policies';

/** Builds deep links into our tab for one Teams app id. */
export interface TabLinks {
  /** The tab page `entityId`, optionally on a sub-page (`subEntityId`) the tab reads from its context. */
  page(entityId: TabEntityId, subEntityId?: string): string;
}

/** Deep links for the app `teamsAppId` (`TEAMS_APP_ID`). */
export function tabLinks(teamsAppId: string): TabLinks {
  return {
    page(entityId, subEntityId = entityId) {
      const context = encodeURIComponent(JSON.stringify({ subEntityId }));
      return `https://teams.microsoft.com/l/entity/${encodeURIComponent(teamsAppId)}/${entityId}?context=${context}`;
    },
  };
}
