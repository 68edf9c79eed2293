import { TurnContext } from 'botbuilder';
import { Locale, t } from '../i18n';
import { ConversationScope } from '../store/conversations';
import { scopeOf } from './activity';
import { AdaptiveCard, renderCard } from '../cards/render';
import { CommandId, commandWord } from './commands';
import { RouteDeps } from './deps';
import { replyCard, userLocale } from './kit';

/** What each kind of conversation offers, in the order a newcomer needs it. */
const COMMANDS_BY_SCOPE: Record<ConversationScope, [CommandId, Parameters<typeof t>[1]][]> = {
  personal: [
    ['order', 'help.cmd.order'],
    ['myOrders', 'help.cmd.myOrders'],
    ['register', 'help.cmd.register'],
    ['profile', 'help.cmd.profile'],
    ['pause', 'help.cmd.pause'],
    ['earningsLimit', 'help.cmd.earningsLimit'],
    ['myData', 'help.cmd.myData'],
    ['language', 'help.cmd.language'],
    ['help', 'help.cmd.help'],
  ],
  groupChat: [
    ['order', 'help.cmd.order'],
    ['myOrders', 'help.cmd.myOrders'],
    ['language', 'help.cmd.language'],
    ['help', 'help.cmd.help'],
  ],
  channel: [
    ['order', 'help.cmd.order'],
    ['coordinatorsChannel', 'help.cmd.coordinatorsChannel'],
    ['digestNow', 'help.cmd.digestNow'],
    ['fees', 'help.cmd.fees'],
    ['feedbackNow', 'help.cmd.feedbackNow'],
    ['remindersNow', 'help.cmd.remindersNow'],
    ['wavesNow', 'help.cmd.wavesNow'],
    ['cleanupNow', 'help.cmd.cleanupNow'],
    ['language', 'help.cmd.language'],
    ['help', 'help.cmd.help'],
  ],
};

/** Shown in the channel's help only where the clock can be moved (local mode). */
const LOCAL_ONLY: [CommandId, Parameters<typeof t>[1]] = ['moveTime', 'help.cmd.moveTime'];

/**
 * The commands of this kind of conversation, with a button to choose the language.
 * `note`: a line above them (e.g. "I speak Finnish with you now" after a choice).
 */
export function helpCard(locale: Locale, scope: ConversationScope, welcome: boolean, note = '', opts: { localMode?: boolean } = {}): AdaptiveCard {
  const commands = [...COMMANDS_BY_SCOPE[scope]];
  if (scope === 'channel' && opts.localMode) commands.splice(commands.length - 2, 0, LOCAL_ONLY);
  return renderCard(
    'help',
    locale,
    {
      title: t(locale, welcome ? 'help.welcomeTitle' : 'help.title'),
      note,
      commands: commands.map(([id, key]) => ({ word: commandWord(id, locale), text: t(locale, key) })),
      showCoordinatorNote: scope === 'channel',
    },
    'help',
  );
}

export async function sendHelp(context: TurnContext, deps: RouteDeps, welcome = false): Promise<void> {
  await replyCard(context, helpCard(userLocale(context, deps), scopeOf(context), welcome, '', { localMode: deps.config.localMode }));
}

/**
 * Welcome when the bot is added to a conversation (it is among the members added) or a
 * user first installs it personally: Teams reports both as membersAdded.
 */
export async function welcomeOnMembersAdded(context: TurnContext, deps: RouteDeps): Promise<void> {
  const added = context.activity.membersAdded ?? [];
  const botId = context.activity.recipient?.id;
  const scope = scopeOf(context);
  const botAdded = added.some((m) => m.id === botId);
  const userAddedInPersonal = scope === 'personal' && added.some((m) => m.id !== botId);
  if (botAdded || userAddedInPersonal) await sendHelp(context, deps, true);
}
