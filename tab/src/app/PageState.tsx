/** Loading and error states shared by every screen. */
import {
  Button,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
} from '@fluentui/react-components';
import type { ResourceState } from './use-api-resource.js';
import type { ReactNode } from 'react';

/** Props of {@link PageState}. */
export interface PageStateProps<T> {
  /** The resource whose state decides what shows. */
  readonly resource: ResourceState<T> & { reload(): void };
  /** Spinner label while loading. */
  readonly loadingLabel: string;
  /** Renders the ready data. */
  readonly children: (data: T) => ReactNode;
}

/** Shows a spinner while loading, an error with Retry, or the children with the data. */
export function PageState<T>({ resource, loadingLabel, children }: PageStateProps<T>): ReactNode {
  if (resource.status === 'loading') return <Spinner label={loadingLabel} />;
  if (resource.status === 'error') {
    return (
      <MessageBar intent="error">
        <MessageBarBody>
          <MessageBarTitle>Something went wrong</MessageBarTitle>
          {resource.error.message}
        </MessageBarBody>
        <MessageBarActions>
          <Button onClick={resource.reload}>Retry</Button>
        </MessageBarActions>
      </MessageBar>
    );
  }
  return <>{children(resource.data)}</>;
}
