import { describe, expect, test } from '@jest/globals';
import { csvText, decimalHours, euros, FeeRecord, payrollCsv, summarizeMonth } from '../../../src/domain/feeSummary';

const rec = (over: Partial<FeeRecord>): FeeRecord => ({
  expertId: 'e', expertName: 'E', costCentre: 'KP-1', orderId: 'T-2026-0001', date: '2026-10-01', hours: 1, feeCents: 0, travelCents: 0, totalCents: 0, volunteer: false, ...over,
});

const october: FeeRecord[] = [
  rec({ expertId: 'e1', expertName: 'Öhman; Eero', costCentre: 'KP-1', orderId: 'T-2026-0001', date: '2026-10-03', hours: 1.5, feeCents: 3000, travelCents: 1050, totalCents: 4050 }),
  rec({ expertId: 'e2', expertName: '=Aalto', costCentre: 'KP-1', orderId: 'T-2026-0002', date: '2026-10-04', hours: 1.58, feeCents: 3167, totalCents: 3167 }),
  rec({ expertId: 'e1', expertName: 'Öhman; Eero', costCentre: 'KP-2', orderId: 'T-2026-0003', date: '2026-10-05', hours: 2, volunteer: true }),
  rec({ expertId: 'e3', expertName: 'Muu kuukausi', costCentre: 'KP-9', orderId: 'T-2026-0004', date: '2026-11-01', hours: 1, feeCents: 100, totalCents: 100 }),
];

describe('summarizeMonth', () => {
  test('sums per expert, per cost centre and in total, only for the month', () => {
    expect(summarizeMonth(october, '2026-10')).toEqual({
      month: '2026-10',
      perExpert: [
        { expertId: 'e2', expertName: '=Aalto', assignments: 1, hours: 1.58, feeCents: 3167, travelCents: 0, totalCents: 3167 },
        { expertId: 'e1', expertName: 'Öhman; Eero', assignments: 2, hours: 3.5, feeCents: 3000, travelCents: 1050, totalCents: 4050 },
      ],
      perCostCentre: [
        { costCentre: 'KP-1', assignments: 2, hours: 3.08, feeCents: 6167, travelCents: 1050, totalCents: 7217 },
        { costCentre: 'KP-2', assignments: 1, hours: 2, feeCents: 0, travelCents: 0, totalCents: 0 },
      ],
      totals: { assignments: 3, hours: 5.08, feeCents: 6167, travelCents: 1050, totalCents: 7217 },
    });
  });

  test('hours are summed exactly (no 0.30000000000000004)', () => {
    const s = summarizeMonth([
      rec({ hours: 0.1 }), rec({ hours: 0.2 }),
      ...[0.07, 0.01, 1.15, 0.29].map((hours) => rec({ expertId: 'f', hours, costCentre: 'KP-2' })),
    ], '2026-10');
    expect(s.perExpert.map((e) => e.hours)).toEqual([0.3, 1.52]);
    expect(s.perCostCentre.map((c) => c.hours)).toEqual([0.3, 1.52]);
    expect(s.totals.hours).toBe(1.82);
  });

  test('experts are sorted by name in Finnish order (Å Ä Ö after Z)', () => {
    const names = ['Öberg', 'Ärjä', 'Åberg', 'Zetterberg', 'aalto', 'Vainio'];
    const s = summarizeMonth(names.map((n, i) => rec({ expertId: `x${i}`, expertName: n })), '2026-10');
    expect(s.perExpert.map((e) => e.expertName)).toEqual(['aalto', 'Vainio', 'Zetterberg', 'Åberg', 'Ärjä', 'Öberg']);
  });

  test('the month is exactly YYYY-MM', () => {
    const s = summarizeMonth([rec({ date: '2026-10-31' }), rec({ date: '2026-11-01' }), rec({ date: '2025-10-15' }), rec({ date: '2026-01-05' })], '2026-10');
    expect(s.totals.assignments).toBe(1);
    expect(() => summarizeMonth(october, '2026-1')).toThrow(RangeError);
    expect(() => summarizeMonth(october, '2026-13')).toThrow(RangeError);
    expect(summarizeMonth([], '2026-10')).toEqual({ month: '2026-10', perExpert: [], perCostCentre: [], totals: { assignments: 0, hours: 0, feeCents: 0, travelCents: 0, totalCents: 0 } });
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

describe('payrollCsv', () => {
  test('byte for byte: BOM, semicolons, CRLF, decimal comma, quoting, formula guard', () => {
    expect(payrollCsv(summarizeMonth(october, '2026-10'))).toBe(
      '\uFEFFKokemusasiantuntija;Tunniste;Toimeksiantoja;Tunnit;Palkkio (€);Matkakorvaus (€);Yhteensä (€)\r\n' +
      "'=Aalto;e2;1;1,58;31,67;0,00;31,67\r\n" +
      '"Öhman; Eero";e1;2;3,50;30,00;10,50;40,50\r\n' +
      '\r\n' +
      'Kustannuspaikka;Toimeksiantoja;Tunnit;Yhteensä (€)\r\n' +
      'KP-1;2;3,08;72,17\r\n' +
      'KP-2;1;2,00;0,00\r\n' +
      '\r\n' +
      'Yhteensä;;3;5,08;61,67;10,50;72,17\r\n',
    );
  });

  test('quotes are doubled, line breaks quoted, ids and cost centres guarded too', () => {
    const s = summarizeMonth([
      rec({ expertId: 'a1', expertName: 'Anna "Annu" Aho', costCentre: 'KP "7"; B', date: '2026-03-02', hours: 0.1, feeCents: 1234, totalCents: 1234 }),
      rec({ expertId: '@x', expertName: 'Rivi\nvaihto', costCentre: '@KP', date: '2026-03-31', hours: 0.2, travelCents: 16, totalCents: 16, volunteer: true }),
      rec({ expertId: 'a1', expertName: 'Anna "Annu" Aho', costCentre: 'KP "7"; B', date: '2026-03-15', hours: 0.2, feeCents: 123450, travelCents: 5, totalCents: 123455 }),
      rec({ date: '2026-04-01', feeCents: 999, totalCents: 999 }),
    ], '2026-03');
    const bytes = Buffer.from(payrollCsv(s), 'utf8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(payrollCsv(s)).toBe(
      '\uFEFFKokemusasiantuntija;Tunniste;Toimeksiantoja;Tunnit;Palkkio (€);Matkakorvaus (€);Yhteensä (€)\r\n' +
      '"Anna ""Annu"" Aho";a1;2;0,30;1246,84;0,05;1246,89\r\n' +
      '"Rivi\nvaihto";\'@x;1;0,20;0,00;0,16;0,16\r\n' +
      '\r\n' +
      'Kustannuspaikka;Toimeksiantoja;Tunnit;Yhteensä (€)\r\n' +
      "'@KP;1;0,20;0,16\r\n" +
      '"KP ""7""; B";2;0,30;1246,89\r\n' +
      '\r\n' +
      'Yhteensä;;3;0,50;1246,84;0,21;1247,05\r\n',
    );
  });

  test('an empty month is the headers and a zero total', () => {
    expect(payrollCsv(summarizeMonth([], '2026-10'))).toBe(
      '\uFEFFKokemusasiantuntija;Tunniste;Toimeksiantoja;Tunnit;Palkkio (€);Matkakorvaus (€);Yhteensä (€)\r\n\r\nKustannuspaikka;Toimeksiantoja;Tunnit;Yhteensä (€)\r\n\r\nYhteensä;;0;0,00;0,00;0,00;0,00\r\n',
    );
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
