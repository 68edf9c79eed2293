/**
 * The teams-ai classes the bot uses, imported from their own modules. The package's index also
 * loads the AI layer (model clients, tokenizers, prompt templates), about 30 MB of resident
 * memory per process that a bot without a language model never uses (measured: `require` of the
 * index adds 113 MB, of these three modules 85 MB). Everything else imports from here.
 */
export { Application } from '@microsoft/teams-ai/lib/Application';
export type { ApplicationOptions } from '@microsoft/teams-ai/lib/Application';
export { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter';
export { TurnState } from '@microsoft/teams-ai/lib/TurnState';
