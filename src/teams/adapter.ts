import { TeamsAdapter } from '@microsoft/teams-ai';
import { ConfigurationServiceClientCredentialFactory } from 'botbuilder';
import { Config } from '../config';

/**
 * The Bot Framework CloudAdapter (TeamsAdapter). With credentials every request is
 * authenticated (signed JWT, issuer, audience, service URL); without them the adapter
 * accepts unauthenticated local traffic, which config only allows on loopback.
 */
export function createAdapter(config: Config): TeamsAdapter {
  const settings = {
    MicrosoftAppId: config.bot.id ?? '',
    MicrosoftAppPassword: config.bot.password ?? '',
    MicrosoftAppType: config.bot.type,
    MicrosoftAppTenantId: config.bot.tenantId ?? '',
  };
  return new TeamsAdapter(settings, new ConfigurationServiceClientCredentialFactory(settings));
}
