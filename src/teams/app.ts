import { Application, TeamsAdapter, TurnState } from './sdk';
import { ActivityTypes, TurnContext } from 'botbuilder';
import { t } from '../i18n';
import { noticeCard } from '../cards/render';
import { isDatabaseUnavailable } from '../store/db';
import { markCoordinatorsChannel, onChannelEvent, recordTeamChannels, replyLocaleOf } from './channels';
import { commandPattern } from './commands';
import { RouteDeps } from './deps';
import { refusalCard, replyNotice, userLocale } from './kit';
import { registerExpertRoutes } from './experts';
import { registerFeedbackRoutes } from './feedback';
import { registerFileRoutes } from './files';
import { registerJobCommands } from './jobs';
import { registerLanguageRoutes, resolveUserLocale } from './language';
import { sendHelp, welcomeOnMembersAdded } from './help';
import { registerOfferRoutes } from './offers';
import { registerOrderRoutes } from './orders';
import { registerPrivacyRoutes } from './privacy';
import { rememberConversation } from './references';
import { registerWhyRoute } from './why';
import { registerEarningsGuardRoutes } from './earnings';

/**
 * The bot: an Application whose routes are declared by feature. Each route parses its
 * input, decides with the domain and store, and answers with a card.
 */
export function createApp(adapter: TeamsAdapter, deps: RouteDeps): Application<TurnState> {
  const app = new Application<TurnState>({
    adapter,
    botAppId: deps.config.bot.id ?? '',
    removeRecipientMention: true,
    startTypingTimer: false,
  });

  app.turn('beforeTurn', async (context) => {
    const a = context.activity;
    // Ids and kinds only (no names or text): enough to follow a conversation in the log. The
    // object is built only when debug lines are written (this runs for every activity).
    if (deps.log.isLevelEnabled('debug')) {
      deps.log.debug(
        { activityId: a.id, type: a.type, invoke: a.name, action: a.action, conversationType: a.conversation?.conversationType, membersAdded: a.membersAdded?.length },
        'activity received',
      );
    }
    // A redelivered message or event (same id) is handled once. Card actions (invokes) are
    // idempotent by design and must always get an answer, so they are not skipped here.
    if (a.type !== ActivityTypes.Invoke && a.id && a.conversation?.id) {
      if (!(await deps.store.activities.firstTime(a.conversation.id, a.id, deps.now()))) {
        deps.log.info({ activityId: a.id, type: a.type }, 'duplicate activity ignored');
        return false;
      }
    }
    await resolveUserLocale(context, deps);
    await rememberConversation(context, deps);
    return true;
  });

  app.conversationUpdate('membersAdded', async (context) => {
    await welcomeOnMembersAdded(context, deps);
    await recordTeamChannels(context, deps);
  });
  for (const event of ['channelCreated', 'channelRenamed', 'channelDeleted', 'channelRestored'] as const) {
    app.conversationUpdate(event, (context) => onChannelEvent(context, deps));
  }
  app.activity(ActivityTypes.InstallationUpdate, async (context) => {
    if (context.activity.action === 'add' || context.activity.action === 'add-upgrade') {
      await recordTeamChannels(context, deps);
    }
  });

  app.message(commandPattern('help'), (context) => sendHelp(context, deps));
  app.message(commandPattern('coordinatorsChannel'), (context) => markCoordinatorsChannel(context, deps));
  registerOrderRoutes(app, deps);
  registerOfferRoutes(app, deps);
  registerExpertRoutes(app, deps);
  registerWhyRoute(app, deps);
  registerEarningsGuardRoutes(app, deps);
  registerPrivacyRoutes(app, deps);
  registerJobCommands(app, deps);
  registerLanguageRoutes(app, deps);
  registerFileRoutes(app, deps);
  registerFeedbackRoutes(app, deps);

  // A card action nobody handles (an old card, a forged verb) gets a clear answer in place.
  app.adaptiveCards.actionExecute(/.*/, async (context) => {
    deps.log.warn({ activityId: context.activity.id }, 'unknown card action');
    return refusalCard(await replyLocaleOf(context, deps), 'error.badInput');
  });
  // Any other invoke the bot does not know is acknowledged, not failed.
  app.activity(ActivityTypes.Invoke, async (context) => {
    const card = context.activity.name === 'adaptiveCard/action';
    await context.sendActivity({
      type: ActivityTypes.InvokeResponse,
      value: card
        ? { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: refusalCard(userLocale(context, deps), 'error.badInput') } }
        : { status: 200 },
    });
  });

  // Unknown text gets the help card, never silence. Registered last: routes match in order.
  app.activity(ActivityTypes.Message, async (context) => {
    if (context.activity.text?.trim() || !context.activity.value) await sendHelp(context, deps);
  });

  app.error(async (context: TurnContext, error: Error) => {
    const unavailable = isDatabaseUnavailable(error);
    // Ids and the error class only: activity texts and names may be personal data.
    deps.log.error(
      { activityId: context.activity.id, type: context.activity.type, errorClass: error.name, err: { message: unavailable ? error.name : error.message, stack: error.stack } },
      'turn failed',
    );
    const locale = userLocale(context, deps);
    const text = t(locale, unavailable ? 'error.unavailable' : 'error.generic');
    if (context.activity.type === ActivityTypes.Invoke) {
      // Every invoke gets an answer of its own kind: without one CloudAdapter answers 501.
      // The invoke response is kept in the turn state (no network), so it is set first.
      const answer = invokeFailureAnswer(context.activity.name, text, unavailable);
      try {
        await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: answer.response });
      } catch (sendError) {
        deps.log.error({ activityId: context.activity.id, err: (sendError as Error).name }, 'could not answer the failed invoke');
      }
      if (!answer.tellInChat) return;
    }
    try {
      await replyNotice(context, text, 'attention');
    } catch (sendError) {
      deps.log.error({ activityId: context.activity.id, err: (sendError as Error).name }, 'could not tell the user about the failure');
    }
  });

  return app;
}

/**
 * The answer to an invoke whose handling failed, shaped for what Teams expects of that invoke:
 *  - adaptiveCard/action: the "temporarily unavailable" (or generic) notice as the card in place;
 *  - task/fetch, task/submit: a task module "message" response showing the text;
 *  - composeExtension/*: a messaging extension "message" result showing the text;
 *  - anything else (fileConsent/invoke, signin/*, unknown names), whose response cannot carry
 *    text: 503 while the database is unreachable (transient: Teams lets the user retry), else
 *    200, with the localized notice posted to the conversation in both cases.
 * Never 501: that would tell Teams the bot does not implement the invoke at all.
 */
export function invokeFailureAnswer(name: string | undefined, text: string, unavailable: boolean): { response: { status: number; body?: unknown }; tellInChat: boolean } {
  if (name === 'adaptiveCard/action') {
    return { response: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: noticeCard(text, 'attention') } }, tellInChat: false };
  }
  if (name === 'task/fetch' || name === 'task/submit') {
    return { response: { status: 200, body: { task: { type: 'message', value: text } } }, tellInChat: false };
  }
  if (name?.startsWith('composeExtension/')) {
    return { response: { status: 200, body: { composeExtension: { type: 'message', text } } }, tellInChat: false };
  }
  return { response: { status: unavailable ? 503 : 200 }, tellInChat: true };
}
