import { mentionTag, withMentions } from '../../../src/cards/mentions';
import { noticeCard } from '../../../src/cards/render';

test('the tag shows the name without what Markdown or the tag itself would read, and the entity repeats it exactly', () => {
  expect(mentionTag({ id: '29:x', name: 'Anna-Liisa O\'Brien' })).toBe("<at>Anna-Liisa O'Brien</at>");
  expect(mentionTag({ id: '29:x', name: '<b>*Kaisa*</b> [x]' })).toBe('<at>bKaisa/b x</at>');
  expect(mentionTag({ id: '29:x', name: '**' })).toBe('<at>?</at>');
  const card = withMentions(noticeCard('<at>Kaisa K</at> hoitaa.'), [{ id: '29:kaisa', name: 'Kaisa K' }]);
  expect(card.msteams).toEqual({ entities: [{ type: 'mention', text: '<at>Kaisa K</at>', mentioned: { id: '29:kaisa', name: 'Kaisa K' } }] });
});

test('nobody to mention leaves the card as it was', () => {
  const card = noticeCard('Täyttämättä.');
  expect(withMentions(card, [])).toBe(card);
  expect(JSON.stringify(card)).not.toContain('msteams');
});
