/** Numbers and dates in the user's locale (Teams context locale or the browser's). */

/** Formats a count, e.g. 1,234 or 1 234. */
export function formatCount(value: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** Formats an ISO time as a medium date and short time; "Never" for null. */
export function formatTime(iso: string | null, locale: string, never = 'Never'): string {
  if (iso === null) return never;
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return never;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(time);
}

/** Formats a duration between two ISO times in seconds, e.g. "1.2 s"; empty when unfinished. */
export function formatDuration(startIso: string | null, endIso: string | null, locale: string): string {
  if (startIso === null || endIso === null) return '';
  const seconds = (Date.parse(endIso) - Date.parse(startIso)) / 1000;
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(seconds)} s`;
}
