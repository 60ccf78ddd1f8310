// @vitest-environment jsdom
/** useFluentTheme: light at once, dark and high contrast loaded on demand, the previous theme meanwhile. */
import { teamsDarkTheme, teamsHighContrastTheme, teamsLightTheme } from '@fluentui/react-components';
import { renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import '../test-support/dom-environment.js';
import { loadFluentTheme, useFluentTheme } from './use-fluent-theme.js';
import type { ThemeName } from './tab-host.js';

describe('useFluentTheme', () => {
  it('applies the light theme at once', () => {
    const { result } = renderHook(() => useFluentTheme('light'));
    expect(result.current).toEqual({ name: 'light', theme: teamsLightTheme });
  });

  it('keeps the current theme until the next one is loaded, then follows live changes', async () => {
    const { result, rerender } = renderHook(({ name }: { name: ThemeName }) => useFluentTheme(name), {
      initialProps: { name: 'light' },
    });
    rerender({ name: 'dark' });
    await waitFor(() => expect(result.current).toEqual({ name: 'dark', theme: teamsDarkTheme }));
    rerender({ name: 'contrast' });
    await waitFor(() => expect(result.current).toEqual({ name: 'contrast', theme: teamsHighContrastTheme }));
    rerender({ name: 'light' });
    expect(result.current).toEqual({ name: 'light', theme: teamsLightTheme });
  });

  it('starts in a preloaded theme without a flash of light', async () => {
    await loadFluentTheme('dark');
    const { result } = renderHook(() => useFluentTheme('dark'));
    expect(result.current).toEqual({ name: 'dark', theme: teamsDarkTheme });
  });
});
