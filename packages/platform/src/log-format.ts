const LEVEL_COLOURS: Record<string, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[36m',
  info: '\x1b[32m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[35m',
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const HIDDEN = new Set(['level', 'time', 'service', 'msg', 'pid', 'hostname']);

/**
 * One readable line for one structured log line of a child process: time, service, level, message
 * and the remaining fields. Lines that are not JSON pass through with the service name in front.
 */
export function prettyLine(service: string, line: string, colour: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
    if (typeof entry !== 'object' || entry === null) throw new Error('not an object');
  } catch {
    return `${service.padEnd(20)} ${line}`;
  }
  const level = String(entry.level ?? 'info');
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const rest = Object.fromEntries(Object.entries(entry).filter(([k]) => !HIDDEN.has(k)));
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  const name = String(entry.service ?? service).padEnd(20);
  if (!colour) return `${time} ${name} ${level.toUpperCase().padEnd(5)} ${String(entry.msg ?? '')}${extra}`;
  const c = LEVEL_COLOURS[level] ?? '';
  return `${DIM}${time}${RESET} ${name} ${c}${level.toUpperCase().padEnd(5)}${RESET} ${String(entry.msg ?? '')}${DIM}${extra}${RESET}`;
}
