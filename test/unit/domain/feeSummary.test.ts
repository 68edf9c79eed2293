import { describe, expect, test } from '@jest/globals';
import { csvText, decimalHours, euros, payrollCsv, SettlementLine, summarizeSettlement } from '../../../src/domain/feeSummary';

const names: Record<string, string> = { e1: 'Öhman; Eero', e2: '=Aalto', e3: 'Muu kausi', a1: 'Anna "Annu" Aho', '@x': 'Rivi\nvaihto' };
const nameOf = (id: string) => names[id] ?? id;
const meeting = { incomeCode: '210', incomeClass: 'wage' as const, incomeName: { fi: 'Kokouspalkkio', sv: 'Mötesarvode', en: 'Meeting fee' } };
const km = { incomeCode: null, incomeClass: 'expense' as const, incomeName: { fi: 'Kilometrikorvaus', sv: 'Kilometerersättning', en: 'Kilometre allowance' } };
const line = (over: Partial<SettlementLine>): SettlementLine => ({
  kind: 'fee', incomeType: 'meetingFee', ...meeting, cents: 0, hundredths: 0, kmHundredths: 0, period: '2026-10', assignmentId: 'T-2026-0001#1', orderId: 'T-2026-0001',
  expertId: 'e1', costCentre: 'KP-1', taskDate: '2026-10-03', taskPeriod: '2026-10', adjustment: false, tariffVersion: 'v1', ...over,
});

const october: SettlementLine[] = [
  line({ expertId: 'e1', assignmentId: 'A#1', cents: 3000, hundredths: 150 }),
  line({ expertId: 'e1', assignmentId: 'A#1', kind: 'travelKm', incomeType: 'kmAllowance', ...km, cents: 1050, kmHundredths: 4200 }),
  line({ expertId: 'e2', assignmentId: 'B#1', cents: 3167, hundredths: 158 }),
  // A volunteer's task: hours, no money.
  line({ expertId: 'e1', assignmentId: 'C#1', costCentre: 'KP-2', cents: 0, hundredths: 200 }),
  // A late-cancelled task: its own basis, charged to the ordering unit.
  line({ expertId: 'e2', assignmentId: 'D#1', costCentre: 'KP-2', kind: 'lateCancellation', cents: 4000, hundredths: 150 }),
  // An adjustment of September: more hours confirmed after September was settled.
  line({ expertId: 'e1', assignmentId: 'S#1', cents: 500, hundredths: 25, taskDate: '2026-09-28', taskPeriod: '2026-09', adjustment: true }),
  line({ expertId: 'e1', assignmentId: 'S#2', kind: 'travelKm', incomeType: 'kmAllowance', ...km, cents: -250, kmHundredths: -1000, taskDate: '2026-09-29', taskPeriod: '2026-09', adjustment: true }),
  // Another period's line: not this settlement's.
  line({ expertId: 'e3', assignmentId: 'N#1', period: '2026-11', cents: 100 }),
];

describe('summarizeSettlement', () => {
  test('sums per expert, per cost centre and in total, counting each assignment once, only the period given', () => {
    expect(summarizeSettlement('2026-10', october, nameOf)).toEqual({
      period: '2026-10',
      perExpert: [
        { expertId: 'e2', expertName: '=Aalto', assignments: 2, hours: 3.08, feeCents: 7167, travelCents: 0, totalCents: 7167, adjustmentCents: 0 },
        { expertId: 'e1', expertName: 'Öhman; Eero', assignments: 4, hours: 3.75, feeCents: 3500, travelCents: 800, totalCents: 4300, adjustmentCents: 250 },
      ],
      perCostCentre: [
        { costCentre: 'KP-1', assignments: 4, hours: 3.33, totalCents: 7467, cancellationCents: 0 },
        { costCentre: 'KP-2', assignments: 2, hours: 3.5, totalCents: 4000, cancellationCents: 4000 },
      ],
      totals: { assignments: 6, hours: 6.83, feeCents: 10667, travelCents: 800, totalCents: 11467, adjustmentLines: 2, adjustmentCents: 250 },
    });
  });

  test('hours are summed exactly (no 0.30000000000000004)', () => {
    const s = summarizeSettlement('2026-10', [10, 20, 7, 1, 115, 29].map((h, i) => line({ assignmentId: `X#${i}`, hundredths: h })), nameOf);
    expect(s.totals.hours).toBe(1.82);
  });

  test('experts are sorted by name in Finnish order (Å Ä Ö after Z)', () => {
    const list = ['Öberg', 'Ärjä', 'Åberg', 'Zetterberg', 'aalto', 'Vainio'];
    const s = summarizeSettlement('2026-10', list.map((n, i) => line({ expertId: n, assignmentId: `x${i}` })), (id) => id);
    expect(s.perExpert.map((e) => e.expertName)).toEqual(['aalto', 'Vainio', 'Zetterberg', 'Åberg', 'Ärjä', 'Öberg']);
  });
});

describe('payrollCsv', () => {
  const HEADER = 'Maksupäivä;Palkkakausi;Kokemusasiantuntija;Tunniste;Tulolaji;Tulolajikoodi;Peruste;Kustannuspaikka;Toimeksiantoja;Tunnit;Km;Määrä (€);Oikaisu kaudelle\r\n';

  test('byte for byte: BOM, semicolons, CRLF, decimal comma, quoting, formula guard; one row per person × income type × basis × cost centre, travel apart, adjustments marked', () => {
    const csv = payrollCsv('2026-10', '2026-11-06', october, nameOf);
    expect([...Buffer.from(csv, 'utf8').subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv).toBe(
      '\uFEFF' + HEADER +
      "6.11.2026;2026-10;'=Aalto;e2;Kokouspalkkio;210;Tehtävä;KP-1;1;1,58;;31,67;\r\n" +
      "6.11.2026;2026-10;'=Aalto;e2;Kokouspalkkio;210;Myöhäinen peruutus;KP-2;1;1,50;;40,00;\r\n" +
      '6.11.2026;2026-10;"Öhman; Eero";e1;Kokouspalkkio;210;Tehtävä;KP-1;1;1,50;;30,00;\r\n' +
      '6.11.2026;2026-10;"Öhman; Eero";e1;Kilometrikorvaus;;Matkakorvaus, km;KP-1;1;0,00;42,00;10,50;\r\n' +
      '6.11.2026;2026-10;"Öhman; Eero";e1;Kokouspalkkio;210;Tehtävä;KP-1;1;0,25;;5,00;2026-09\r\n' +
      '6.11.2026;2026-10;"Öhman; Eero";e1;Kilometrikorvaus;;Matkakorvaus, km;KP-1;1;0,00;-10,00;-2,50;2026-09\r\n',
    );
  });

  test('rows of the same key are summed; quotes doubled, line breaks quoted, ids and cost centres guarded; Swedish headers', () => {
    const csv = payrollCsv('2026-03.1', '2026-03-20', [
      line({ period: '2026-03.1', expertId: 'a1', costCentre: 'KP "7"; B', assignmentId: 'A#1', cents: 1234, hundredths: 10 }),
      line({ period: '2026-03.1', expertId: 'a1', costCentre: 'KP "7"; B', assignmentId: 'A#2', cents: 123450, hundredths: 20 }),
      line({ period: '2026-03.1', expertId: '@x', costCentre: '@KP', assignmentId: 'B#1', kind: 'travelTickets', incomeType: 'tickets', ...km, cents: 16 }),
    ], nameOf, 'sv');
    expect(csv).toBe(
      '\uFEFFBetalningsdag;Löneperiod;Erfarenhetsexpert;Identifierare;Inkomstslag;Inkomstslagskod;Grund;Kostnadsställe;Uppdrag;Timmar;Km;Belopp (€);Korrigering för period\r\n' +
      '20.3.2026;2026-03.1;"Anna ""Annu"" Aho";a1;Mötesarvode;210;Uppdrag;"KP ""7""; B";2;0,30;;1246,84;\r\n' +
      '20.3.2026;2026-03.1;"Rivi\nvaihto";\'@x;Kilometerersättning;;Reseersättning, biljetter;\'@KP;1;0,00;;0,16;\r\n',
    );
  });

  test('a settlement with nothing to pay is the header only (the 0 € hours of a volunteer are not payroll rows)', () => {
    expect(payrollCsv('2026-10', '2026-11-06', [line({ cents: 0, hundredths: 200 })], nameOf)).toBe('\uFEFF' + HEADER);
  });
});

describe('number formats', () => {
  test('euros and hours with a decimal comma and two decimals', () => {
    expect(euros(123450)).toBe('1234,50');
    expect(euros(5)).toBe('0,05');
    expect(euros(0)).toBe('0,00');
    expect(euros(-150)).toBe('-1,50');
    expect(decimalHours(1.5)).toBe('1,50');
    expect(decimalHours(1.58)).toBe('1,58');
    expect(decimalHours(12)).toBe('12,00');
  });
});

describe('csvText: CSV formula injection', () => {
  test.each([
    ['=1+1', "'=1+1"],
    ['+358 40 123', "'+358 40 123"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['=HYPERLINK("http://x";"y")', '"\'=HYPERLINK(""http://x"";""y"")"'],
  ])('%j is neutralised as %j', (input, out) => {
    expect(csvText(input)).toBe(out);
  });

  test.each(['Aalto', 'a=b', 'KP-1', 'Matti-Pekka', ''])('%j is left alone', (v) => {
    expect(csvText(v)).toBe(v);
  });
});
