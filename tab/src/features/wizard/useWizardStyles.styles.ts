/** Styles of the provisioning wizard. */
import { makeStyles, tokens } from '@fluentui/react-components';

/** Wizard styles (theme tokens only). */
export const useWizardStyles = makeStyles({
  steps: { listStyleType: 'none', padding: 0, margin: 0, display: 'grid', gap: tokens.spacingVerticalL },
  step: {
    padding: tokens.spacingHorizontalL,
    borderRadius: tokens.borderRadiusMedium,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`,
    display: 'grid',
    gap: tokens.spacingVerticalS,
  },
  stepTitle: { margin: 0 },
  section: { marginTop: tokens.spacingVerticalXL, display: 'grid', gap: tokens.spacingVerticalM },
  picker: {
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 1fr) auto minmax(0, 1fr)',
    gap: tokens.spacingHorizontalL,
    alignItems: 'start',
  },
  arrows: { display: 'grid', gap: tokens.spacingVerticalS, alignSelf: 'center' },
  pane: {
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: tokens.spacingHorizontalM,
    display: 'grid',
    gap: tokens.spacingVerticalS,
    alignContent: 'start',
    minHeight: '260px',
  },
  list: {
    listStyleType: 'none',
    margin: 0,
    padding: 0,
    maxHeight: '320px',
    overflowY: 'auto',
  },
  addRow: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center' },
  site: { paddingBlock: tokens.spacingVerticalXXS },
  siteUrl: { display: 'block', color: tokens.colorNeutralForeground2, overflowWrap: 'anywhere' },
  ewsNotice: { color: tokens.colorNeutralForeground2 },
  nested: { listStyleType: 'none', margin: 0, paddingLeft: tokens.spacingHorizontalXL },
  actions: {
    display: 'flex',
    gap: tokens.spacingHorizontalM,
    alignItems: 'center',
    marginTop: tokens.spacingVerticalXL,
  },
});
