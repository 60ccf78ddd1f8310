/** A screen's title; takes focus when the screen opens so keyboard and screen-reader users land on it. */
import { makeStyles, tokens, typographyStyles } from '@fluentui/react-components';
import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  heading: {
    ...typographyStyles.title2,
    margin: `0 0 ${tokens.spacingVerticalL}`,
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}` },
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
