/** Loads one API resource with loading, error and ready states, and a reload. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiFailure, ApiResult } from './api-client.js';

/** State of a loaded resource. */
export type ResourceState<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'error'; readonly error: ApiFailure }
  | { readonly status: 'ready'; readonly data: T };

/** Runs `load` on mount and on `reload()`; a reload keeps showing the previous data meanwhile. */
export function useApiResource<T>(load: () => Promise<ApiResult<T>>): ResourceState<T> & { reload(): void } {
  const [state, setState] = useState<ResourceState<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    void loadRef.current().then((result) => {
      if (!live) return;
      setState(
        result.ok ? { status: 'ready', data: result.value } : { status: 'error', error: result.error },
      );
    });
    return () => {
      live = false;
    };
  }, [generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}
