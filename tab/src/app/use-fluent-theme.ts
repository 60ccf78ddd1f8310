/**
 * The Fluent theme for the host's theme name. The light theme ships with the first screen; dark
 * and high contrast load on first use (before the first render when the host starts in one of
 * them, see {@link loadFluentTheme}), and the previous theme stays until the next one arrived.
 */
import { teamsLightTheme, type Theme } from '@fluentui/react-components';
import { useEffect, useMemo, useState } from 'react';
import type { ThemeName } from './tab-host.js';

const loaded = new Map<ThemeName, Theme>([['light', teamsLightTheme]]);

/** Loads a theme (once); resolves to it. */
export async function loadFluentTheme(name: ThemeName): Promise<Theme> {
  const ready = loaded.get(name);
  if (ready) return ready;
  const themes = await import('./extra-themes.js');
  loaded.set('dark', themes.teamsDarkTheme);
  loaded.set('contrast', themes.teamsHighContrastTheme);
  return loaded.get(name) ?? teamsLightTheme;
}

/** The theme in use: its name (as applied, for `data-theme`) and the Fluent theme object. */
export interface AppliedTheme {
  readonly name: ThemeName;
  readonly theme: Theme;
}

/** Follows `name`: at once when that theme is loaded, else after loading it (the previous one meanwhile). */
export function useFluentTheme(name: ThemeName): AppliedTheme {
  const ready = loaded.get(name);
  // The last theme actually shown, kept while a not-yet-loaded one arrives.
  const [shown, setShown] = useState<AppliedTheme>(() =>
    ready ? { name, theme: ready } : { name: 'light', theme: teamsLightTheme },
  );
  useEffect(() => {
    if (ready) {
      setShown((current) => (current.theme === ready ? current : { name, theme: ready }));
      return;
    }
    let live = true;
    void loadFluentTheme(name).then((theme) => {
      if (live) setShown({ name, theme });
    });
    return () => {
      live = false;
    };
  }, [name, ready]);
  return useMemo(() => (ready ? { name, theme: ready } : shown), [name, ready, shown]);
}
