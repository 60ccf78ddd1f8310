/**
 * The app's two icons, drawn in code so they can be regenerated at any size and checked by tests:
 * a white shield with a check mark. Teams wants a 192×192 colour icon and a 32×32 outline icon that
 * is white on a transparent background (it tints the outline itself).
 */
import { PNG } from 'pngjs';

/** Colour icon edge length required by Teams. */
export const COLOR_ICON_SIZE = 192;
/** Outline icon edge length required by Teams. */
export const OUTLINE_ICON_SIZE = 32;
/** The manifest's accentColor, also the colour icon's background. */
export const ACCENT_COLOR = '#1F5FAD';

// Shapes live in unit coordinates (0..1 across the icon) so both sizes share one drawing.
const SHIELD = { centerX: 0.5, top: 0.16, shoulder: 0.47, bottom: 0.88, halfWidth: 0.31, crown: 0.05 };
const CHECK_MARK: readonly (readonly [number, number])[] = [
  [0.375, 0.5],
  [0.47, 0.6],
  [0.635, 0.4],
];
// Sub-pixel samples per axis: enough anti-aliasing for 32 px without blurring the 2 px stroke.
const SAMPLES = 4;

/** Whether a point lies inside the shield, shrunk by `inset` (used to cut the outline's stroke). */
function insideShield(x: number, y: number, inset: number): boolean {
  const halfWidth = SHIELD.halfWidth - inset;
  const dx = Math.abs(x - SHIELD.centerX);
  if (dx > halfWidth) return false;
  // The top edge rises towards the middle, like a crest.
  const topEdge = SHIELD.top + inset + SHIELD.crown * (dx / halfWidth) ** 2;
  const bottom = SHIELD.bottom - inset * 1.6;
  if (y < topEdge || y > bottom) return false;
  if (y <= SHIELD.shoulder) return true;
  // Below the shoulders the sides follow a cosine down to a point.
  const t = (y - SHIELD.shoulder) / (bottom - SHIELD.shoulder);
  return dx <= halfWidth * Math.cos((t * Math.PI) / 2);
}

/** Distance from a point to the segment a–b. */
function distanceToSegment(
  x: number,
  y: number,
  a: readonly [number, number],
  b: readonly [number, number],
): number {
  const [ax, ay] = a;
  const [bx, by] = b;
  const lengthSquared = (bx - ax) ** 2 + (by - ay) ** 2;
  const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / lengthSquared));
  return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay)));
}

/** Whether a point lies on the check mark drawn with the given half thickness. */
function onCheckMark(x: number, y: number, halfThickness: number): boolean {
  for (let index = 1; index < CHECK_MARK.length; index += 1) {
    const from = CHECK_MARK[index - 1];
    const to = CHECK_MARK[index];
    if (from && to && distanceToSegment(x, y, from, to) <= halfThickness) return true;
  }
  return false;
}

/** Fraction of a pixel's samples for which `inside` holds: the pixel's coverage. */
function coverage(size: number, px: number, py: number, inside: (x: number, y: number) => boolean): number {
  let hits = 0;
  for (let sy = 0; sy < SAMPLES; sy += 1) {
    for (let sx = 0; sx < SAMPLES; sx += 1) {
      if (inside((px + (sx + 0.5) / SAMPLES) / size, (py + (sy + 0.5) / SAMPLES) / size)) hits += 1;
    }
  }
  return hits / (SAMPLES * SAMPLES);
}

/** Parses `#RRGGBB`. */
function rgb(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** Draws an RGBA image pixel by pixel and encodes it as PNG. */
function drawPng(
  size: number,
  pixel: (px: number, py: number) => readonly [number, number, number, number],
): Buffer {
  const png = new PNG({ width: size, height: size, colorType: 6 });
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      const offset = (py * size + px) * 4;
      const [r, g, b, a] = pixel(px, py);
      png.data[offset] = r;
      png.data[offset + 1] = g;
      png.data[offset + 2] = b;
      png.data[offset + 3] = a;
    }
  }
  return PNG.sync.write(png, { colorType: 6 });
}

/** The 192×192 colour icon: white shield and accent-coloured check on an accent background. */
export function drawColorIcon(size = COLOR_ICON_SIZE): Buffer {
  const accent = rgb(ACCENT_COLOR);
  return drawPng(size, (px, py) => {
    const shield = coverage(size, px, py, (x, y) => insideShield(x, y, 0) && !onCheckMark(x, y, 0.045));
    const mix = (channel: number) => Math.round(channel + (255 - channel) * shield);
    return [mix(accent[0]), mix(accent[1]), mix(accent[2]), 255];
  });
}

/** The 32×32 outline icon: the shield's outline and the check mark, white on transparent. */
export function drawOutlineIcon(size = OUTLINE_ICON_SIZE): Buffer {
  // About 2 px of stroke at 32 px: thinner strokes vanish when Teams scales the icon down.
  const stroke = 2.1 / OUTLINE_ICON_SIZE;
  return drawPng(size, (px, py) => {
    const alpha = coverage(
      size,
      px,
      py,
      (x, y) =>
        (insideShield(x, y, 0) && !insideShield(x, y, stroke)) || onCheckMark(x, y, stroke / 2 + 0.01),
    );
    return [255, 255, 255, Math.round(alpha * 255)];
  });
}
