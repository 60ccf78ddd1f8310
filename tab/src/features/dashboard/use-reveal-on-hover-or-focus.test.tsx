// @vitest-environment jsdom
/** useRevealOnHoverOrFocus: hover or focus anywhere inside reveals; leaving both hides again. */
import { render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import '../../test-support/dom-environment.js';
import { useRevealOnHoverOrFocus } from './use-reveal-on-hover-or-focus.js';
import type { ReactNode } from 'react';

function Probe(): ReactNode {
  const reveal = useRevealOnHoverOrFocus();
  return (
    <>
      <div role="group" aria-label="Tile" {...reveal.handlers}>
        <button type="button">First</button>
        <button type="button">Second</button>
        <output aria-label="Revealed">{String(reveal.revealed)}</output>
      </div>
      <button type="button">Outside</button>
    </>
  );
}

const revealed = (): string | null => screen.getByRole('status', { name: 'Revealed' }).textContent;

describe('useRevealOnHoverOrFocus', () => {
  it('reveals while hovered', async () => {
    const user = userEvent.setup();
    render(<Probe />);
    expect(revealed()).toBe('false');
    await user.hover(screen.getByRole('group', { name: 'Tile' }));
    expect(revealed()).toBe('true');
    await user.unhover(screen.getByRole('group', { name: 'Tile' }));
    expect(revealed()).toBe('false');
  });

  it('stays revealed while focus moves inside and hides when it leaves', async () => {
    const user = userEvent.setup();
    render(<Probe />);
    await user.tab();
    expect(revealed()).toBe('true');
    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Second' }));
    expect(revealed()).toBe('true');
    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Outside' }));
    expect(revealed()).toBe('false');
  });

  it('keeps the action revealed by focus after the pointer left', async () => {
    const user = userEvent.setup();
    render(<Probe />);
    await user.click(screen.getByRole('button', { name: 'First' }));
    await user.unhover(screen.getByRole('group', { name: 'Tile' }));
    expect(revealed()).toBe('true');
  });
});
