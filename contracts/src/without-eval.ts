/**
 * The contract's schemas never compile to code. zod probes `new Function` when it builds an object
 * schema, to speed up parsing; under a Content-Security-Policy without `'unsafe-eval'` (the tab's)
 * even the caught probe is reported as a violation. The answers are small, so the interpreted
 * parser costs nothing noticeable. Imported by every module that builds a schema, before it does.
 */
import { z } from 'zod';

z.config({ jitless: true });
