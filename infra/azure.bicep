// Välittäjä in Azure: the bot's App Service (Linux, Node 20), its Key Vault, and the Azure Bot
// with the Microsoft Teams channel. Deployed into one resource group by `teamsapp provision`
// (teamsapp.yml, arm/deploy, parameters from infra/azure.parameters.json and env/.env.<env>),
// or by hand: az deployment group create -g <rg> -f infra/azure.bicep -p <parameters>.
// The database is not here: it is the county's MongoDB (docs/deployment.md "Database").

@minLength(4)
@maxLength(16)
@description('Lowercase letters and digits: the names of all resources start with it (the Key Vault name adds "-kv").')
param resourceBaseName string

@description('Azure region of the App Service and the Key Vault. Sweden Central by default: every service used here is there, and the data stays in the EU.')
param location string = 'swedencentral'

@allowed([
  'SingleTenant'
  'UserAssignedMSI'
])
@description('SingleTenant: a Microsoft Entra app with a client secret (what `teamsapp provision` creates). UserAssignedMSI: a managed identity made here, no secret at all (only when the Teams tenant is the subscription\'s tenant). Multi-tenant bots can no longer be created.')
param botAppType string = 'SingleTenant'

@description('SingleTenant: the client id of the bot\'s Microsoft Entra app. Ignored for UserAssignedMSI.')
param botAadAppClientId string = ''

@secure()
@description('SingleTenant: the client secret of the bot\'s Microsoft Entra app; kept in the Key Vault only.')
param botAadAppClientSecret string = ''

@description('The Microsoft Entra tenant of the bot\'s identity: the county\'s Microsoft 365 tenant.')
param botTenantId string = tenant().tenantId

@maxLength(42)
param botDisplayName string

@secure()
@description('The county\'s MongoDB connection string (mongodb:// or mongodb+srv://, with tls=true and the parameters of docs/deployment.md); kept in the Key Vault only.')
param mongodbUri string

@description('The database name inside that MongoDB.')
param mongodbDb string = 'valittaja'

@description('Comma-separated Microsoft Entra object ids of the coordinators.')
param coordinatorAadIds string = ''

@description('App Service plan SKU: B1 is the smallest with Always On; P0v3 or larger for several instances and zone redundancy.')
param appServiceSku string = 'B1'

@description('App Service instances, 1-10 (a string: the toolkit fills the parameters file from text). Jobs, the outbox and Teams\' per-app rate limit are shared through the database, so any number is safe.')
param instanceCount string = '1'

@description('Bot Service SKU: F0 has no message limit on standard channels such as Teams.')
param botServiceSku string = 'F0'

var keyVaultName = '${resourceBaseName}-kv'
var useManagedIdentity = botAppType == 'UserAssignedMSI'
// Key Vault Secrets User: read secret values, nothing else.
var keyVaultSecretsUserRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')

// The bot's own identity when it has no Entra app (UserAssignedMSI); the Bot Service and the
// web app both name it.
resource botIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = if (useManagedIdentity) {
  name: '${resourceBaseName}-bot'
  location: location
}

var botAppId = useManagedIdentity ? botIdentity!.properties.clientId : botAadAppClientId

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: resourceBaseName
  location: location
  kind: 'linux'
  sku: {
    name: appServiceSku
    capacity: max(1, min(10, int(instanceCount)))
  }
  properties: {
    reserved: true // Linux
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
    softDeleteRetentionInDays: 90
  }
}

resource mongodbUriSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'mongodb-uri'
  properties: {
    value: mongodbUri
    contentType: 'MongoDB connection string'
  }
}

resource botPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!useManagedIdentity) {
  parent: vault
  name: 'bot-password'
  properties: {
    value: botAadAppClientSecret
    contentType: 'Microsoft Entra client secret of the bot'
  }
}

// Key Vault references (@Microsoft.KeyVault(...)) in app settings: the value is fetched by App
// Service with the web app's identity and never appears in the deployment or the portal.
var mongodbUriReference = '@Microsoft.KeyVault(SecretUri=${mongodbUriSecret.properties.secretUri})'
var botPasswordReference = useManagedIdentity ? '' : '@Microsoft.KeyVault(SecretUri=${botPasswordSecret!.properties.secretUri})'

var commonSettings = [
  { name: 'NODE_ENV', value: 'production' }
  // Built locally by `teamsapp deploy` (npm install, npm run build) and run from the zip as is.
  { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'false' }
  { name: 'WEBSITE_RUN_FROM_PACKAGE', value: '1' }
  { name: 'BOT_ID', value: botAppId }
  { name: 'BOT_TYPE', value: botAppType }
  { name: 'BOT_TENANT_ID', value: botTenantId }
  { name: 'MONGODB_URI', value: mongodbUriReference }
  { name: 'MONGODB_DB', value: mongodbDb }
  { name: 'COORDINATOR_AAD_IDS', value: coordinatorAadIds }
  { name: 'TIME_ZONE', value: 'Europe/Helsinki' }
  // On SIGTERM (a restart, a scale-in, a deployment) the bot drains for at most this long.
  { name: 'SHUTDOWN_GRACE_SECONDS', value: '20' }
  // Two failed /readyz pings in a row take an instance out of the load balancer (default 10).
  { name: 'WEBSITE_HEALTHCHECK_MAXPINGFAILURES', value: '2' }
]
var passwordSettings = useManagedIdentity ? [] : [{ name: 'BOT_PASSWORD', value: botPasswordReference }]

resource web 'Microsoft.Web/sites@2023-12-01' = {
  name: resourceBaseName
  location: location
  kind: 'app,linux'
  identity: useManagedIdentity
    ? {
        type: 'SystemAssigned, UserAssigned'
        userAssignedIdentities: { '${botIdentity.id}': {} }
      }
    : { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      linuxFxVersion: 'NODE|20-lts'
      // The production start, not `npm start` (the local Playground demo).
      appCommandLine: 'node dist/index.js'
      alwaysOn: true // cron jobs and the outbox sender run in the process
      healthCheckPath: '/readyz'
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      webSocketsEnabled: false
      appSettings: concat(commonSettings, passwordSettings)
    }
  }
}

resource webReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, web.id, keyVaultSecretsUserRole)
  scope: vault
  properties: {
    roleDefinitionId: keyVaultSecretsUserRole
    principalId: web.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// The registration Teams talks to: single-tenant (or a managed identity), never multi-tenant.
resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: resourceBaseName
  location: 'global'
  kind: 'azurebot'
  sku: {
    name: botServiceSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${web.properties.defaultHostName}/api/messages'
    msaAppId: botAppId
    msaAppType: botAppType
    msaAppTenantId: botTenantId
    msaAppMSIResourceId: useManagedIdentity ? botIdentity.id : null
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

// Written to env/.env.<env> by arm/deploy (as upper-case names) for the later lifecycle steps.
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = web.id
output BOT_DOMAIN string = web.properties.defaultHostName
output BOT_ENDPOINT string = 'https://${web.properties.defaultHostName}'
output BOT_ID string = botAppId
output AZURE_KEY_VAULT_NAME string = vault.name
