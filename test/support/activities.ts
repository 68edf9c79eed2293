import fs from 'node:fs';
import path from 'node:path';

export type Activity = Record<string, unknown> & {
  id: string;
  type: string;
  serviceUrl: string;
  conversation: { id: string; conversationType?: string };
};

let seq = 0;

/**
 * A recorded Teams activity from test/fixtures, with a fresh id, the stand-in connector's
 * service URL and any overrides (shallow, plus `text` / `value` conveniences).
 */
export function fixture(name: string, serviceUrl: string, overrides: Record<string, unknown> = {}): Activity {
  const raw = fs.readFileSync(path.join(__dirname, '..', 'fixtures', `${name}.json`), 'utf8');
  const a = JSON.parse(raw) as Activity;
  return { ...a, id: `${a.id}-${++seq}-${Date.now()}`, serviceUrl, ...overrides } as Activity;
}

/**
 * A recorded real-Teams payload shape from test/fixtures/teams (see its README), as Teams sent
 * it: ids kept (a channel post's id is its thread's `;messageid=`), only the service URL
 * pointed at the stand-in connector, and `overrides` applied (shallow).
 */
export function teamsPayload(name: string, serviceUrl: string, overrides: Record<string, unknown> = {}): Activity {
  const raw = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8');
  return { ...(JSON.parse(raw) as Activity), serviceUrl, ...overrides } as Activity;
}
