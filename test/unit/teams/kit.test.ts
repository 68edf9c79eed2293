import { offerIdSchema, orderNumberSchema, aadIdSchema, strip } from '../../../src/teams/kit';
import { OfferRepo } from '../../../src/store/offers';

const EXPERT = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';

test('an order number in card data: exactly as the bot writes it', () => {
  expect(orderNumberSchema.safeParse('T-2026-0042').success).toBe(true);
  for (const bad of ['t-2026-0042', 'T-2026-42', 'T-2026-0042 ', { $ne: null }, 42, null]) expect([bad, orderNumberSchema.safeParse(bad).success]).toEqual([bad, false]);
});

test("an offer id is the order's number and the expert's id as OfferRepo.idOf joins them", () => {
  expect(offerIdSchema.safeParse(OfferRepo.idOf('T-2026-0042', EXPERT)).success).toBe(true);
  for (const bad of [`T-2026-0042:${EXPERT}:x`, `T-2026-42:${EXPERT}`, `T-2026-0042:${EXPERT.toUpperCase()}`, 'T-2026-0042:', `:${EXPERT}`, EXPERT, 'T-2026-0042']) {
    expect([bad, offerIdSchema.safeParse(bad).success]).toEqual([bad, false]);
  }
});

test('OfferRepo.partsOf reverses idOf', () => {
  expect(OfferRepo.partsOf(OfferRepo.idOf('T-2026-0042', EXPERT))).toEqual({ orderId: 'T-2026-0042', expertId: EXPERT });
  for (const bad of ['', ':', 'T-2026-0042', 'T-2026-0042:', `:${EXPERT}`]) expect([bad, OfferRepo.partsOf(bad)]).toEqual([bad, null]);
});

test("a user's id in card data", () => {
  expect(aadIdSchema.safeParse(EXPERT).success).toBe(true);
  expect(aadIdSchema.safeParse('x').success).toBe(false);
});

test('action data: the echoed verb dropped; operator or path keys refuse the whole data', () => {
  expect(strip({ verb: 'offer.accept', offerId: 'a' })).toEqual({ offerId: 'a' });
  expect(strip({ offerId: { $ne: null } })).toBeNull();
  expect(strip({ 'a.b': 1 })).toBeNull();
  expect(strip(null)).toBeNull();
});
