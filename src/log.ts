import pino, { Logger } from 'pino';

/**
 * Structured JSON logs. Logs carry ids, never names, themes or free text: the paths below
 * are redacted wherever they appear, as a safety net behind that habit.
 */
export const REDACTED_PATHS = [
  'name', '*.name', 'displayName', '*.displayName', 'text', '*.text', 'themes', '*.themes',
  'description', '*.description', 'email', '*.email', 'phone', '*.phone', 'freeText', '*.freeText',
  'reason', '*.reason', 'headers.authorization', '*.headers.authorization', 'password', '*.password',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'valittaja' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
