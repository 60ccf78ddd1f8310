/**
 * Writes `appPackage/color.png` and `appPackage/outline.png` from `icons.ts`. The PNGs are
 * committed; run this only after changing the drawing:
 * `node --conditions=source --import tsx scripts/app-package/generate-icons.ts`.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { drawColorIcon, drawOutlineIcon } from './icons.js';

const appPackage = fileURLToPath(new URL('../../appPackage/', import.meta.url));

await writeFile(`${appPackage}color.png`, drawColorIcon());
await writeFile(`${appPackage}outline.png`, drawOutlineIcon());
console.log(`Wrote ${appPackage}color.png and ${appPackage}outline.png`);
