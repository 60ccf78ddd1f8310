/**
 * The **Selected Targets** pane both pickers share: the live "N of 100 … selected" counter, the
 * message of the last move, the list (or what to do while it is empty).
 */
import { MessageBar, MessageBarBody, Subtitle2, Text } from '@fluentui/react-components';
import { useWizardStyles } from './useWizardStyles.styles.js';
import type { ReactNode } from 'react';

/** Props of {@link SelectedTargetsPane}. */
export interface SelectedTargetsPaneProps {
  /** "3 of 100 users selected". */
  readonly count: string;
  /** The last move's message; an error is announced as an alert, anything else as a status. */
  readonly message: { readonly intent: 'error' | 'info'; readonly text: string } | null;
  /** Shown instead of the list while nothing is selected. */
  readonly emptyText: string;
  /** One `<li>` per selected target. */
  readonly children: ReactNode[];
}

/** The right-hand pane of a target picker. */
export function SelectedTargetsPane({
  count,
  message,
  emptyText,
  children,
}: SelectedTargetsPaneProps): ReactNode {
  const styles = useWizardStyles();
  return (
    <section className={styles.pane} aria-labelledby="selected-targets">
      <Subtitle2 as="h3" id="selected-targets">
        Selected Targets
      </Subtitle2>
      <Text aria-live="polite" role="status">
        {count}
      </Text>
      {message ? (
        <MessageBar intent={message.intent} role={message.intent === 'error' ? 'alert' : 'status'}>
          <MessageBarBody>{message.text}</MessageBarBody>
        </MessageBar>
      ) : null}
      {children.length === 0 ? (
        <Text>{emptyText}</Text>
      ) : (
        <ul className={styles.list} aria-label="Selected Targets">
          {children}
        </ul>
      )}
    </section>
  );
}
