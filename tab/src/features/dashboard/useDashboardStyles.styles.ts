/** Styles of the dashboard: a responsive grid of tiles; the action shows on hover or focus. */
import { makeStyles, tokens } from '@fluentui/react-components';

/** Dashboard styles (theme tokens only). */
export const useDashboardStyles = makeStyles({
  grid: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(260px, 1fr))',
    gap: tokens.spacingHorizontalL,
    marginTop: tokens.spacingVerticalL,
  },
  tile: {
    minHeight: '220px',
    ':hover .tile-action, :focus-within .tile-action': { opacity: 1 },
  },
  action: {
    opacity: 0,
    transitionProperty: 'opacity',
    transitionDuration: tokens.durationFast,
  },
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
