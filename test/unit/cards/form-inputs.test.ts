import fs from 'node:fs';
import path from 'node:path';
import { CARDS_DIR, renderCard } from '../../../src/cards/render';
import { CARD_NAMES, CardDataByName, CardName } from '../../../src/cards/views';
import { Locale } from '../../../src/i18n';
import { CARD_SAMPLES } from '../../fixtures/cards/samples';

// Every input of every card template, inputs inside Action.ShowCard cards included: a person
// using a screen reader hears the label, and a client that refuses a submit (a required field
// left empty, a number out of its range) says why in the reader's language, next to the field.

type Node = Record<string, unknown>;
const LOCALES: Locale[] = ['fi', 'sv', 'en'];
const templates = fs.readdirSync(CARDS_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));

/** Every Input.* element in a card (template or rendered), wherever it is nested. */
function inputsOf(card: unknown): Node[] {
  const out: Node[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    if (typeof (n as Node).type === 'string' && ((n as Node).type as string).startsWith('Input.')) out.push(n as Node);
    Object.values(n).forEach(walk);
  };
  walk(card);
  return out;
}

/** What is wrong with one input: no label; required, or limited by min/max/regex, without an errorMessage. */
function inputProblems(input: Node): string[] {
  const problems: string[] = [];
  const filled = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  if (!filled(input.label)) problems.push(`${String(input.id)}: no label`);
  const validated = input.isRequired === true || input.min !== undefined || input.max !== undefined || input.regex !== undefined;
  if (validated && !filled(input.errorMessage)) problems.push(`${String(input.id)}: validated but no errorMessage`);
  return problems;
}

const template = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(CARDS_DIR, `${name}.json`), 'utf8'));

test('the check fails on an input without a label, and on a required one without an errorMessage', () => {
  expect(inputProblems({ type: 'Input.Text', id: 'a' })).toEqual(['a: no label']);
  expect(inputProblems({ type: 'Input.Text', id: 'a', label: 'A', isRequired: true })).toEqual(['a: validated but no errorMessage']);
  expect(inputProblems({ type: 'Input.Number', id: 'n', label: 'N', max: 5, errorMessage: ' ' })).toEqual(['n: validated but no errorMessage']);
  expect(inputProblems({ type: 'Input.Toggle', id: 't', title: 'Yes' })).toEqual(['t: no label']);
  expect(inputProblems({ type: 'Input.Text', id: 'a', label: 'A', isRequired: true, errorMessage: 'Required' })).toEqual([]);
  expect(inputsOf({ actions: [{ type: 'Action.ShowCard', card: { body: [{ type: 'Input.Text', id: 'x' }] } }] })).toHaveLength(1);
});

test.each(templates)('every input of the %s template has a label, and an errorMessage where it is validated', (name) => {
  expect(inputsOf(template(name)).flatMap(inputProblems)).toEqual([]);
});

/** Every sample of a card with inputs: [card, state]. */
const samples = CARD_NAMES.filter((name) => inputsOf(template(name)).length > 0).flatMap((name) => Object.keys(CARD_SAMPLES[name]).map((state) => [name, state] as [CardName, string]));
const sampleOf = <N extends CardName>(name: N, state: string): CardDataByName[N] => CARD_SAMPLES[name][state];

describe.each(LOCALES)('rendered in %s', (locale) => {
  test.each(samples)('%s (%s): every label and error message is a text, not a missing string', (name, state) => {
    const inputs = inputsOf(renderCard(name, locale, sampleOf(name, state)));
    for (const input of inputs) {
      expect([input.id, inputProblems(input)]).toEqual([input.id, []]);
      expect([input.id, String(input.label)]).not.toEqual([input.id, expect.stringMatching(/\$\{|undefined/)]);
    }
  });
});

test('the forms ask for exactly the required fields', () => {
  const required = (name: string) => inputsOf(template(name)).filter((i) => i.isRequired === true).map((i) => i.id).sort();
  // The order form: what parseOrderForm refuses when empty (a phone or an e-mail is checked there: one of the two).
  expect(required('order-form')).toEqual(['contactName', 'costCentre', 'date', 'description', 'durationMinutes', 'language', 'mode', 'seats', 'targetGroup', 'taskType', 'themes', 'time', 'title'].sort());
  expect(required('expert-profile-form')).toEqual(['consent', 'description', 'displayName', 'feePreference', 'languages', 'taskTypes', 'themes'].sort());
  expect(required('feedback-expert')).toEqual(['actualMinutes', 'howItWent', 'tookPlace']);
  expect(required('feedback-orderer')).toEqual(['actualMinutes', 'goalsMet', 'tookPlace', 'useful']);
  expect(required('earnings-guard')).toEqual(['per']);
});
