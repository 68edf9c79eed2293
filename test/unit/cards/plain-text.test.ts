import { plainText } from '../../../src/cards/plainText';
import { DEFAULT_CATALOG } from '../../../src/domain/catalog';
import { brokeringCard } from '../../../src/services/brokeringCard';
import { acceptedExpertViews, offerCard, orderSummaryCard } from '../../../src/services/views';
import type { ServiceDeps } from '../../../src/services/deps';
import type { ExpertDoc } from '../../../src/store/experts';
import type { OrderDoc } from '../../../src/store/orders';

// Text users type is shown as typed in other people's cards: Teams renders TextBlocks and
// FactSet values as Markdown, so a link typed into a title would be a link with a hidden target.

const LINK = '[click](https://evil.example)';
const BOLD = '**bold**';
const NAME = "Anna-Liisa O'Brien";

/** Every text and value in a rendered card (TextBlocks, facts), in order. */
function texts(card: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of ['text', 'value', 'title']) if (typeof o[k] === 'string') out.push(o[k] as string);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return out;
}

/** An unescaped Markdown link or emphasis, as Teams would render it. */
const MARKDOWN = /(^|[^\\])\[[^\]]*(^|[^\\])\]\(|(^|[^\\])\*\*/;

const order: OrderDoc = {
  _id: 'T-2026-0042', themes: ['mental-health'], taskType: 'talk', title: LINK, description: `${BOLD} ${LINK}`, goal: LINK,
  startsAt: new Date('2026-03-02T11:00:00Z'), endsAt: new Date('2026-03-02T12:30:00Z'), durationMinutes: 90, mode: 'onsite', municipality: 'Tampere',
  address: '- Katu 1', targetGroup: BOLD, seats: 1, language: 'fi', costCentre: 'KP-1', contact: { name: NAME, phone: '040 123 4567' },
  noteToCoordinator: LINK, orderer: { aadObjectId: 'x', name: NAME }, conversationId: 'c', status: 'filled', createdAt: new Date(), updatedAt: new Date(),
};

test('plainText escapes Markdown links, emphasis and list markers; names read as typed', () => {
  expect(plainText(LINK)).toBe('\\[click\\](https://evil.example)');
  expect(plainText(BOLD)).toBe('\\*\\*bold\\*\\*');
  expect(plainText(NAME)).toBe(NAME);
  expect(plainText('Matti Meikäläinen (KP-1.2), 40 hlö.')).toBe('Matti Meikäläinen (KP-1.2), 40 hlö.');
  expect(plainText('- a\n+ b\n  12. c\n1.5 h')).toBe('\\- a\n\\+ b\n  12\\. c\n1.5 h');
  expect(plainText('a_b ~c~ `d` \\e')).toBe('a\\_b \\~c\\~ \\`d\\` \\\\e');
});

test("the expert's offer card shows the orderer's typed title, description and contact as plain text", () => {
  const card = offerCard(order, `${order._id}:e`, 'accepted', 'fi', { catalog: DEFAULT_CATALOG, timeZone: 'Europe/Helsinki', feeText: () => '30 €', now: () => new Date('2026-03-01T10:00:00Z'), shortNoticeHours: 48 });
  const all = texts(card);
  expect(all).toContain('\\[click\\](https://evil.example)');
  expect(all).toContain('\\*\\*bold\\*\\* \\[click\\](https://evil.example)');
  expect(all).toContain(NAME);
  for (const s of all) expect(s).not.toMatch(MARKDOWN);
});

test("the orderer's summary shows an expert's typed name and introduction as plain text", () => {
  const expert = { _id: 'e', displayName: `${BOLD} ${NAME}`, description: `Minusta: ${LINK}`, phone: '040 1', email: 'a_b@example.fi' } as unknown as ExpertDoc;
  const card = orderSummaryCard(order, 'fi', { catalog: DEFAULT_CATALOG, timeZone: 'Europe/Helsinki', feeText: () => '30 €', now: () => new Date('2026-03-01T10:00:00Z'), shortNoticeHours: 48 }, {
    heading: 'Tilaus', experts: acceptedExpertViews([expert]), canCancel: false, taken: 1, lateCancelHours: 24,
  });
  const all = texts(card);
  expect(all).toContain(`\\*\\*bold\\*\\* ${NAME}`);
  expect(all).toContain('Minusta: \\[click\\](https://evil.example)');
  for (const s of all) expect(s).not.toMatch(MARKDOWN);
});

test("the coordinators' card shows the order's typed texts and experts' names as plain text", () => {
  const deps = { catalog: DEFAULT_CATALOG, now: () => new Date('2026-03-01T10:00:00Z'), config: { timeZone: 'Europe/Helsinki', waveSize: 3, shortNoticeHours: 48 } } as unknown as ServiceDeps;
  const card = brokeringCard(deps, { ...order, status: 'offering' }, 'fi', {
    suggestions: [{ expertId: 'e', name: `${LINK}`, recent: 0 }], offered: [{ name: BOLD, status: 'open' }], taken: 0,
  });
  const all = texts(card);
  expect(all.some((s) => s.includes('\\[click\\]'))).toBe(true);
  for (const s of all) expect(s).not.toMatch(MARKDOWN);
});
