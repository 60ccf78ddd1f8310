/**
 * Styles of the dashboard: a responsive grid of tiles drawn with theme tokens (a plain element
 * rather than Fluent's Card, whose focus-group machinery the tiles do not need and which would
 * pull the whole of tabster into the first screen). The action shows on hover or focus.
 */
import { makeStyles, tokens } from '@fluentui/react-components';

/** Dashboard styles (theme tokens only). */
export const useDashboardStyles = makeStyles({
  grid: {
    display: 'grid',
    // Wide enough that a fact ("Last synchronized", "101 site collections") fits on one line.
    gridTemplateColumns: 'repeat(auto-fill, minmax(300px, 1fr))',
    gap: tokens.spacingHorizontalL,
    marginTop: tokens.spacingVerticalL,
  },
  tile: {
    minHeight: '220px',
    // Tiles of one row are as tall as the tallest, whatever each has to say.
    height: '100%',
    boxSizing: 'border-box',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalM,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground1,
    color: tokens.colorNeutralForeground1,
    boxShadow: tokens.shadow4,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorTransparentStroke}`,
  },
  header: { display: 'grid', gap: tokens.spacingVerticalXS, justifyItems: 'start' },
  title: { margin: 0 },
  footer: { marginTop: 'auto' },
  action: {
    opacity: 0,
    transitionProperty: 'opacity',
    transitionDuration: tokens.durationFast,
    // Without a hover-capable pointer (touch), nothing would ever reveal the action.
    '@media (hover: none)': { opacity: 1 },
  },
  revealed: { opacity: 1 },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'auto 1fr',
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalXS,
    margin: 0,
  },
  term: { color: tokens.colorNeutralForeground2 },
  detail: { margin: 0 },
});
