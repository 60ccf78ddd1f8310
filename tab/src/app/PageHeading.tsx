/**
 * A screen's title; takes focus when the screen opens so keyboard and screen-reader users land on
 * it. The focus ring shows only to keyboard users (Fluent's focus-visible attribute, set while
 * keyboard navigation is in progress), not after a click or on first load.
 */
import { createFocusOutlineStyle, makeStyles, tokens, typographyStyles } from '@fluentui/react-components';
import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  heading: {
    ...typographyStyles.title2,
    margin: `0 0 ${tokens.spacingVerticalL}`,
    // Fluent's ring is drawn by an ::after box positioned against the heading.
    position: 'relative',
    // Also removes the browser's own ring, which shows after a programmatic focus on page load.
    ...createFocusOutlineStyle({ selector: 'focus', style: { outlineOffset: tokens.strokeWidthThick } }),
  },
});

/** Props of {@link PageHeading}. */
export interface PageHeadingProps {
  readonly children: ReactNode;
}

/** The h1 of a screen, focused on mount. */
export function PageHeading({ children }: PageHeadingProps): ReactNode {
  const ref = useRef<HTMLHeadingElement>(null);
  const styles = useStyles();
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} className={styles.heading}>
      {children}
    </h1>
  );
}
