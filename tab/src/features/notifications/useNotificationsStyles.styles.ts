/** Styles of Notifications and the Extend screen. */
import { makeStyles, tokens } from '@fluentui/react-components';

/** Notification list styles (theme tokens only). */
export const useNotificationsStyles = makeStyles({
  list: { listStyleType: 'none', margin: 0, padding: 0, display: 'grid', gap: tokens.spacingVerticalS },
  item: {
    display: 'flex',
    gap: tokens.spacingHorizontalM,
    alignItems: 'center',
    padding: tokens.spacingHorizontalM,
    borderRadius: tokens.borderRadiusMedium,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  unread: { borderLeft: `${tokens.strokeWidthThickest} solid ${tokens.colorBrandStroke1}` },
  text: { flexGrow: 1, display: 'grid', gap: tokens.spacingVerticalXXS },
  instructions: { display: 'grid', gap: tokens.spacingVerticalS, maxWidth: '70ch' },
  actions: { display: 'flex', gap: tokens.spacingHorizontalM, marginTop: tokens.spacingVerticalL },
});
