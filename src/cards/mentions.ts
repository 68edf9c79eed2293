import { AdaptiveCard } from './render';

/**
 * Someone to @mention in a card: their Teams id (29:…) or, when that is not known, their
 * Microsoft Entra object id (Teams accepts both in a card's mention entity), and the name
 * shown. Only people who may read the card: coordinators in the coordinators' channel.
 */
export interface Mentionable {
  id: string;
  name: string;
}

/**
 * The `<at>…</at>` tag of a mention. The text between the tags must be the entity's `text`
 * exactly, and it sits in a TextBlock read as Markdown: characters that Markdown or the tag
 * would read are left out of the shown name (a name has none of them in practice).
 */
export function mentionTag(person: Mentionable): string {
  const shown = person.name.replace(/[<>[\]\\`*_~]/g, '').trim() || '?';
  return `<at>${shown}</at>`;
}

/**
 * The card with Teams' mention entities for `people` (msteams.entities, each of type
 * `mention`): the card's text must contain each one's mentionTag. Teams notifies the people
 * mentioned; other clients show the name as text.
 */
export function withMentions(card: AdaptiveCard, people: Mentionable[]): AdaptiveCard {
  if (people.length === 0) return card;
  return {
    ...card,
    msteams: { ...((card.msteams as Record<string, unknown> | undefined) ?? {}), entities: people.map((p) => ({ type: 'mention', text: mentionTag(p), mentioned: { id: p.id, name: p.name } })) },
  };
}
