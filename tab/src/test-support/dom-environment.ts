/**
 * Imported (for its effects) by every jsdom test of the tab: unmounts what a test rendered and
 * undoes its spies after each test, and supplies browser APIs jsdom lacks but Fluent UI calls on
 * render — ResizeObserver (MessageBar reflow) and matchMedia (motion preferences). Those are
 * inert: jsdom has no layout, so nothing ever resizes.
 */
import { cleanup } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

class InertResizeObserver {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}

if (typeof window !== 'undefined') {
  if (!('ResizeObserver' in window)) {
    Object.defineProperty(window, 'ResizeObserver', { value: InertResizeObserver, configurable: true });
  }
  if (typeof window.matchMedia !== 'function') {
    Object.defineProperty(window, 'matchMedia', {
      configurable: true,
      value: (query: string): MediaQueryList =>
        ({
          matches: false,
          media: query,
          onchange: null,
          addEventListener: () => undefined,
          removeEventListener: () => undefined,
          addListener: () => undefined,
          removeListener: () => undefined,
          dispatchEvent: () => false,
        }) as MediaQueryList,
    });
  }
}
