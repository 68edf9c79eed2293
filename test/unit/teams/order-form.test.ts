import { DEFAULT_CATALOG } from '../../../src/domain/catalog';
import { parseOrderForm } from '../../../src/domain/orderForm';
import { Locale } from '../../../src/i18n';
import { ORDER_FORM_MORE_DETAILS, orderForm } from '../../../src/teams/orders';
import { RouteDeps } from '../../../src/teams/deps';
import { validateCard } from '../../support/card-validation';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

const TZ = 'Europe/Helsinki';
const NOW = new Date('2026-12-04T10:00:00Z');
const deps = { catalog: DEFAULT_CATALOG, now: () => NOW, config: { timeZone: TZ } } as unknown as RouteDeps;
const FORM_ID = '3f1c2b9e-8d4a-4c6b-9e2f-1a2b3c4d5e6f';

type Node = Record<string, unknown> & { type?: string; id?: string; items?: Node[]; columns?: Node[]; actions?: Node[] };

/** The ids of the inputs in reading order, and the hidden "More details" container. */
function layout(card: unknown): { ids: string[]; toggleAt: number; more: Node } {
  const ids: string[] = [];
  let toggleAt = -1;
  let more: Node | undefined;
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const node = n as Node;
    if (node.type?.startsWith('Input.')) ids.push(node.id!);
    if (node.type === 'Action.ToggleVisibility') toggleAt = ids.length;
    if (node.id === 'moreDetails') more = node;
    Object.values(node).forEach(walk);
  };
  walk((card as Node).body);
  return { ids, toggleAt, more: more! };
}

const inputIds = (n: unknown) => layout({ body: [n] }).ids;

function inputsOf(n: unknown): Node[] {
  const out: Node[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (!x || typeof x !== 'object') return;
    if ((x as Node).type?.startsWith('Input.')) out.push(x as Node);
    Object.values(x).forEach(walk);
  };
  walk(n);
  return out;
}

describe.each(['fi', 'sv', 'en'] as Locale[])('the order form in %s', (locale) => {
  const card = orderForm(deps, locale, { contactName: 'Aino Ammattilainen' }, {}, FORM_ID);

  test('is a valid card: what, when, where and who first, the optional rest behind "More details"', () => {
    expect(validateCard(card)).toEqual([]);
    const { ids, toggleAt, more } = layout(card);
    expect(ids.slice(0, toggleAt)).toEqual([
      'taskType', 'themes', 'title', 'description', 'targetGroup',
      'date', 'time', 'durationMinutes',
      'mode', 'municipality', 'address', 'link',
      'contactName', 'contactPhone', 'contactEmail', 'costCentre',
    ]);
    expect(inputIds(more).sort()).toEqual([...ORDER_FORM_MORE_DETAILS].sort());
    expect(ids.slice(toggleAt).sort()).toEqual([...ORDER_FORM_MORE_DETAILS].sort());
    expect(more.isVisible).toBe(false);
  });

  test('every required input without a default value is in view (Teams checks hidden ones too)', () => {
    const hidden = inputsOf(layout(card).more);
    // Only the number of experts and the language are required in there; both come filled in.
    expect(hidden.filter((i) => i.isRequired).map((i) => [i.id, i.value])).toEqual([['seats', '1'], ['language', locale]]);
  });

  test('the submit carries the hidden inputs: the action takes every input of the card, hidden or not', () => {
    const parsed = new AC.AdaptiveCard();
    parsed.parse(card, new AC.SerializationContext(AC.Versions.v1_5));
    const more = parsed.getElementById('moreDetails')!;
    expect(more.isVisible).toBe(false);
    const submit = parsed.getActionAt(0)!;
    expect(submit.getJsonTypeName()).toBe('Action.Execute');
    const referenced = Object.keys(submit.getReferencedInputs() ?? {});
    for (const id of ORDER_FORM_MORE_DETAILS) expect(referenced).toContain(id);
    expect(referenced.sort()).toEqual(parsed.getAllInputs().map((i) => i.id!).sort());
  });

  test("the contact person is the orderer's Teams name, ready to change", () => {
    expect(JSON.stringify(card)).toContain('"id":"contactName","label":');
    expect(JSON.stringify(card)).toMatch(/"id":"contactName"[^{}]*"value":"Aino Ammattilainen"/);
  });
});

describe('a 5-minute duration is refused, never changed', () => {
  const submit = {
    themes: 'mental-health', taskType: 'talk', title: 'Puheenvuoro', description: 'Kuvaus', goal: '', date: '2026-12-10', time: '13:00',
    durationMinutes: '5', mode: 'remote', municipality: '', address: '', link: 'https://teams.example/meet', targetGroup: 'Hoitajat',
    audienceSize: '', seats: '1', language: 'fi', costCentre: 'KP-1', contactName: 'Aino', contactPhone: '040 1234567', contactEmail: '', noteToCoordinator: '',
  };

  test.each([
    ['fi', 'Keston on oltava 15–480 minuuttia'],
    ['sv', 'Längden ska vara 15–480 minuter'],
    ['en', 'The duration must be 15–480 minutes'],
  ] as const)('in %s the form comes back with the 5 as typed and the minimum named next to it', (locale, message) => {
    const parsed = parseOrderForm(submit, { catalog: DEFAULT_CATALOG, now: NOW, timeZone: TZ });
    expect(parsed.ok).toBe(false);
    const errors = parsed.ok ? {} : parsed.errors;
    expect(errors).toEqual({ durationMinutes: 'order.error.duration' });
    const card = orderForm(deps, locale, submit, errors, FORM_ID);
    const json = JSON.stringify(card);
    expect(json).toMatch(/"id":"durationMinutes"[^{}]*"value":"5"/);
    expect(json).toContain(message);
    // The duration is in view, not behind "More details".
    expect(layout(card).more.isVisible).toBe(false);
  });

  test('a mistake behind "More details" opens it', () => {
    const card = orderForm(deps, 'fi', { ...submit, durationMinutes: '90', seats: '9' }, { seats: 'order.error.outOfRange' }, FORM_ID);
    expect(layout(card).more.isVisible).toBe(true);
    expect(JSON.stringify(layout(card).more)).toContain('Luku on liian pieni tai liian suuri.');
  });
});
