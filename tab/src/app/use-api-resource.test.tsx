// @vitest-environment jsdom
/** useApiResource: loading, error and ready states, reload keeping the data, no update after unmount. */
import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import '../test-support/dom-environment.js';
import { useApiResource } from './use-api-resource.js';
import type { ApiResult } from './api-client.js';

/** A load whose answers the test releases one by one. */
function controlledLoad<T>() {
  const pending: ((result: ApiResult<T>) => void)[] = [];
  let calls = 0;
  const load = (): Promise<ApiResult<T>> => {
    calls += 1;
    return new Promise((resolve) => pending.push(resolve));
  };
  return { load, calls: () => calls, answer: (result: ApiResult<T>) => pending.shift()?.(result) };
}

describe('useApiResource', () => {
  it('goes from loading to ready', async () => {
    const control = controlledLoad<number>();
    const { result } = renderHook(() => useApiResource(control.load));
    expect(result.current.status).toBe('loading');
    act(() => control.answer({ ok: true, value: 42 }));
    await waitFor(() => expect(result.current).toMatchObject({ status: 'ready', data: 42 }));
  });

  it('shows an error, and reload loads again while keeping the last state', async () => {
    const control = controlledLoad<string>();
    const { result } = renderHook(() => useApiResource(control.load));
    const failure = { status: 503, code: 'unavailable', message: 'Try again.' };
    act(() => control.answer({ ok: false, error: failure }));
    await waitFor(() => expect(result.current).toMatchObject({ status: 'error', error: failure }));
    act(() => result.current.reload());
    await waitFor(() => expect(control.calls()).toBe(2));
    expect(result.current.status).toBe('error');
    act(() => control.answer({ ok: true, value: 'fresh' }));
    await waitFor(() => expect(result.current).toMatchObject({ status: 'ready', data: 'fresh' }));
  });

  it('uses the latest load function without loading again on every render', async () => {
    let source = 'first';
    const load = async (): Promise<ApiResult<string>> => ({ ok: true, value: source });
    const { result, rerender } = renderHook(() => useApiResource(load));
    await waitFor(() => expect(result.current).toMatchObject({ data: 'first' }));
    source = 'second';
    rerender();
    expect(result.current).toMatchObject({ data: 'first' });
    act(() => result.current.reload());
    await waitFor(() => expect(result.current).toMatchObject({ data: 'second' }));
  });

  it('ignores an answer that arrives after unmount', async () => {
    const control = controlledLoad<number>();
    const { result, unmount } = renderHook(() => useApiResource(control.load));
    unmount();
    act(() => control.answer({ ok: true, value: 1 }));
    await Promise.resolve();
    expect(result.current.status).toBe('loading');
  });
});
