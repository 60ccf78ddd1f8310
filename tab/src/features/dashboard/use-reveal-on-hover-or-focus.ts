/**
 * Reveals a tile's action while the pointer is over the tile or focus is anywhere inside it, so
 * mouse and keyboard users alike see **Provision** / **Manage** where they are.
 */
import { useCallback, useState } from 'react';

/** What a tile spreads on its root element, and whether its action shows. */
export interface RevealOnHoverOrFocus {
  readonly revealed: boolean;
  readonly handlers: {
    readonly onMouseEnter: () => void;
    readonly onMouseLeave: () => void;
    readonly onFocus: () => void;
    readonly onBlur: () => void;
  };
}

/** Tracks hover and focus-within of one element. */
export function useRevealOnHoverOrFocus(): RevealOnHoverOrFocus {
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const onMouseEnter = useCallback(() => setHovered(true), []);
  const onMouseLeave = useCallback(() => setHovered(false), []);
  const onFocus = useCallback(() => setFocused(true), []);
  // React's focus events bubble (focusin/focusout): moving between two elements of the same tile
  // is a blur then a focus in one task, so the tile stays revealed without a visible flicker.
  const onBlur = useCallback(() => setFocused(false), []);
  return { revealed: hovered || focused, handlers: { onMouseEnter, onMouseLeave, onFocus, onBlur } };
}
