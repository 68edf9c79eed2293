import { Harness, startHarness } from '../support/harness';
import { decisionData, expertProfile } from '../support/experts';
import { cardOf, channelThread, execute, personalMessage, TENANT, text, threadClick, threadMessage, user, User } from '../support/teams';
import { jobOutcomeText } from '../../src/teams/jobs';

/**
 * Issue 11, item 2: the coordinator role is bound to configuration and to the coordinators'
 * channel itself, in the home tenant. Activities are in the shape real Teams sends: channel
 * messages and clicks in a thread ("19:…@thread.tacv2;messageid=N"), the channel in
 * channelData.channel.id, the (host) tenant in conversation.tenantId and channelData.tenant.id.
 */

const TEAM = '19:hyvinvointialue-general@thread.tacv2';
const COORD_CHANNEL = '19:koordinaattorit@thread.tacv2';
const OTHER_CHANNEL = '19:kahvihuone@thread.tacv2';
const OTHER_TENANT = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';

const kaisa = user('Kaisa Koordinaattori'); // configured
const mikko = user('Mikko Tiimiläinen'); // a home-tenant member of the coordinators' channel, not configured
const xena = user('Xena Ulkopuolinen'); // an external (other tenant) member of the shared coordinators' channel
const gustav = user('Gustav Vieras'); // a guest in the home tenant

function rosterEntry(u: User, tenantId: string, userRole: string): Record<string, unknown> {
  return { id: u.id, name: u.name, aadObjectId: u.aad, tenantId, userRole };
}

describe('no coordinator configured', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(__filename);
  });
  afterAll(() => h.stop());

  test.each([
    ['fi-FI', 'koordinaattorikanava', 'Ylläpitäjä lisää'],
    ['sv-SE', 'koordinatorkanal', 'Administratören lägger till'],
    ['en-US', 'coordinators channel', 'The administrator adds'],
  ])('in %s the first comer cannot take the channel; the bot says how to configure a coordinator', async (locale, command, expected) => {
    const where = channelThread(COORD_CHANNEL, TEAM);
    await h.post({ ...threadMessage(h, mikko, where, command), locale } as never);
    const conv = where.conversation.id as string;
    await h.connector.waitFor(() => h.connector.sentTo(conv).length === 1);
    const said = text(h.connector.sentTo(conv)[0]);
    expect(said).toContain('COORDINATOR_AAD_IDS');
    expect(said).toContain(expected);
    expect(await h.bot.store.channels.coordinatorsChannel()).toBeNull();
  });
});

describe('a configured coordinator', () => {
  let h: Harness;
  const coord = () => channelThread(COORD_CHANNEL, TEAM);
  const other = () => channelThread(OTHER_CHANNEL, TEAM);

  async function pendingExpert(name: string): Promise<User> {
    const u = user(name);
    await h.post(personalMessage(h, u, 'ilmoittaudu'));
    expect(text(cardOf(await h.post(execute(h, u, 'expert.saveProfile', expertProfile(name)))))).toContain('Odottaa');
    return u;
  }

  /** What the bot answered to a message typed in `where` (its last post there). */
  async function answerTo(where: ReturnType<typeof channelThread>, from: User, command: string): Promise<string> {
    const conv = where.conversation.id as string;
    await h.post(threadMessage(h, from, where, command));
    await h.connector.waitFor(() => h.connector.sentTo(conv).length >= 1);
    return text(h.connector.sentTo(conv).pop());
  }

  beforeAll(async () => {
    h = await startHarness(__filename, { COORDINATOR_AAD_IDS: kaisa.aad });
    // Teams' roster of the (shared) coordinators' channel: who belongs to which tenant, in which role.
    h.connector.members[COORD_CHANNEL] = {
      [mikko.id]: rosterEntry(mikko, TENANT, 'user'),
      [xena.id]: rosterEntry(xena, OTHER_TENANT, 'user'),
      [gustav.id]: rosterEntry(gustav, TENANT, 'guest'),
    };
    expect(await answerTo(coord(), kaisa, 'koordinaattorikanava')).toContain('koordinaattorien kanava');
    expect(await h.bot.store.channels.coordinatorsChannel()).toMatchObject({ conversationId: COORD_CHANNEL, teamId: TEAM });
  });
  afterAll(() => h.stop());

  test('the channel is stored with the tenant it was marked in: the home tenant of its members', async () => {
    expect(await h.bot.store.channels.coordinatorsChannel()).toMatchObject({ tenantId: TENANT });
  });

  test('others cannot move the channel, not even from the channel itself', async () => {
    expect(await answerTo(other(), mikko, 'koordinaattorikanava')).toContain('Vain koordinaattori');
    expect(await answerTo(coord(), mikko, 'koordinaattorikanava')).toContain('Vain koordinaattori');
    expect((await h.bot.store.channels.coordinatorsChannel())!.conversationId).toBe(COORD_CHANNEL);
  });

  test('a member of the team acting in ANOTHER channel of that team is no coordinator: approve, why, digest now refused', async () => {
    const u = await pendingExpert('Olli Odottava');
    const approve = cardOf(await h.post(threadClick(h, mikko, other(), 'expert.approve', await decisionData(h, u))));
    expect(text(approve)).toContain('ei ole oikeutta');
    expect((await h.bot.store.experts.get(u.aad))!.status).toBe('pending');
    expect(await answerTo(other(), mikko, 'why Olli T-2026-0001')).toContain('ei ole oikeutta');
    expect(await answerTo(other(), mikko, 'kooste nyt')).toContain('ei ole oikeutta');
    expect(await answerTo(other(), mikko, 'palkkiot 2026-10')).toContain('ei ole oikeutta');
  });

  test('external members of the shared coordinators channel and guests are no coordinators there, though Teams names the host tenant', async () => {
    const u = await pendingExpert('Pia Odottava');
    for (const outsider of [xena, gustav]) {
      const res = cardOf(await h.post(threadClick(h, outsider, coord(), 'expert.approve', await decisionData(h, u))));
      expect(text(res)).toContain('ei ole oikeutta');
      expect(await answerTo(coord(), outsider, 'kooste nyt')).toContain('ei ole oikeutta');
    }
    // Someone the roster does not know at all (not a member of the channel).
    const stranger = user('Sami Tuntematon');
    expect(text(cardOf(await h.post(threadClick(h, stranger, coord(), 'expert.approve', await decisionData(h, u)))))).toContain('ei ole oikeutta');
    expect((await h.bot.store.experts.get(u.aad))!.status).toBe('pending');
  });

  test('an activity naming another tenant is refused in the coordinators channel, whoever the roster says it is', async () => {
    const u = await pendingExpert('Reija Odottava');
    const foreign = channelThread(COORD_CHANNEL, TEAM, OTHER_TENANT);
    expect(text(cardOf(await h.post(threadClick(h, mikko, foreign, 'expert.approve', await decisionData(h, u)))))).toContain('ei ole oikeutta');
    // Mixed markers (conversation says home, channelData says another) are refused too.
    const mixed = coord();
    mixed.channelData = { ...mixed.channelData, tenant: { id: OTHER_TENANT } };
    expect(text(cardOf(await h.post(threadClick(h, mikko, mixed, 'expert.approve', await decisionData(h, u)))))).toContain('ei ole oikeutta');
    expect((await h.bot.store.experts.get(u.aad))!.status).toBe('pending');
  });

  test('a home-tenant member acts as coordinator inside the coordinators channel itself', async () => {
    const u = await pendingExpert('Sanna Hyväksyttävä');
    const res = cardOf(await h.post(threadClick(h, mikko, coord(), 'expert.approve', await decisionData(h, u))));
    expect(text(res)).toContain('Hyväksytty');
    expect((await h.bot.store.experts.get(u.aad))!.status).toBe('active');
    expect(await answerTo(coord(), mikko, 'kooste nyt')).toContain(jobOutcomeText('fi', 'daily-digest', 'done'));
  });

  test('the configured coordinator is a coordinator anywhere: another channel, a 1:1 chat', async () => {
    const u = await pendingExpert('Tiina Hyväksyttävä');
    expect(text(cardOf(await h.post(threadClick(h, kaisa, other(), 'expert.approve', await decisionData(h, u)))))).toContain('Hyväksytty');
    await h.post(personalMessage(h, kaisa, 'why Tiina T-2026-0001'));
    await h.connector.waitFor(() => h.connector.sentTo(kaisa.personal).length >= 1);
    expect(text(h.connector.sentTo(kaisa.personal).pop())).not.toContain('ei ole oikeutta');
  });
});
