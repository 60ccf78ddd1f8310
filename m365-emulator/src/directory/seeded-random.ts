/**
 * Deterministic pseudo-random numbers for the tenant generator. `Math.random` cannot be seeded, and
 * a tenant must come out identical (same ids, same names) from the same seed on every machine.
 */

/** A seeded random source; every draw advances it. */
export interface SeededRandom {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, bound). */
  int(bound: number): number;
  /** True with the given probability. */
  chance(probability: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** A version-4-shaped GUID made from the stream (not from the OS), so ids are reproducible. */
  guid(): string;
}

// ASCII hex digits of every byte value, written into a scratch buffer so each GUID is one flat
// string (concatenation would build rope strings that cost extra memory and time at 100k users).
const HEX_DIGITS = new Uint8Array(512);
for (let value = 0; value < 256; value++) {
  const pair = value.toString(16).padStart(2, '0');
  HEX_DIGITS[value * 2] = pair.charCodeAt(0);
  HEX_DIGITS[value * 2 + 1] = pair.charCodeAt(1);
}
const DASH = 0x2d;
const guidScratch = Buffer.alloc(36);

function writeWordHex(word: number, offset: number, dashAfterHalf: boolean): number {
  let position = offset;
  for (let shift = 24; shift >= 0; shift -= 8) {
    const index = ((word >>> shift) & 0xff) * 2;
    guidScratch[position++] = HEX_DIGITS[index] as number;
    guidScratch[position++] = HEX_DIGITS[index + 1] as number;
    if (dashAfterHalf && shift === 16) guidScratch[position++] = DASH;
  }
  return position;
}

/** Hashes a string into four 32-bit words (cyrb128), the seed of the generator below. */
function hashSeed(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

/** Creates a random source from a seed string (sfc32: fast, small state, good enough for test data). */
export function createSeededRandom(seed: string): SeededRandom {
  let [a, b, c, d] = hashSeed(seed);
  const nextUint32 = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Warm-up: the first outputs of sfc32 correlate with the seed words.
  for (let i = 0; i < 12; i++) nextUint32();

  const next = (): number => nextUint32() / 4294967296;
  return {
    next,
    int: (bound) => Math.floor(next() * bound),
    chance: (probability) => next() < probability,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    guid: () => {
      const w0 = nextUint32();
      const w1 = (nextUint32() & 0xffff0fff) | 0x00004000;
      const w2 = ((nextUint32() & 0x3fffffff) | 0x80000000) >>> 0;
      const w3 = nextUint32();
      let position = writeWordHex(w0, 0, false);
      guidScratch[position++] = DASH;
      position = writeWordHex(w1, position, true);
      guidScratch[position++] = DASH;
      position = writeWordHex(w2, position, true);
      writeWordHex(w3, position, false);
      return guidScratch.toString('latin1', 0, 36);
    },
  };
}

/** A stable 32-bit hash of a string, for properties derived from an id instead of stored. */
export function stableHash(text: string): number {
  return hashSeed(text)[0];
}
