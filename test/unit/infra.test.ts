// The Azure deployment (infra/azure.bicep, infra/azure.parameters.json) and the toolkit
// lifecycle that runs it (teamsapp.yml), checked offline: neither the az CLI nor bicep runs
// here, so these read the files as text/JSON/YAML and check what a deployment would depend on.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { envSchema, parseConfig } from '../../src/config';

const ROOT = path.join(__dirname, '..', '..');
const read = (f: string): string => fs.readFileSync(path.join(ROOT, f), 'utf8');
const bicep = read('infra/azure.bicep');
const parametersText = read('infra/azure.parameters.json');
const parameters = JSON.parse(parametersText) as { $schema: string; contentVersion: string; parameters: Record<string, { value: unknown }> };
const teamsapp = parseYaml(read('teamsapp.yml')) as Record<string, Action[]> & { version: string; environmentFolderPath: string };
const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

interface Action {
  uses: string;
  name?: string;
  with?: Record<string, unknown>;
  writeToEnvironmentFile?: Record<string, string>;
}

/** Bicep code without // comments (strings here hold no "//" other than in URLs, which are kept). */
const code = bicep.replace(/(^|[^:'])\/\/.*$/gm, '$1');

/** `param` declarations with their decorators (the lines right above, up to a blank line). */
function bicepParams(): Map<string, { type: string; secure: boolean; default?: string }> {
  const out = new Map<string, { type: string; secure: boolean; default?: string }>();
  const lines = code.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    const m = /^param\s+(\w+)\s+(\w+)(?:\s*=\s*(.+))?$/.exec(line.trim());
    if (!m) continue;
    let j = i;
    while (j > 0 && lines[j - 1].trim() !== '' && !/^(param|var|resource|output)\b/.test(lines[j - 1].trim())) j--;
    const decorators = lines.slice(j, i).join('\n');
    out.set(m[1], { type: m[2], secure: /@secure\(\)/.test(decorators), default: m[3]?.trim() });
  }
  return out;
}

function parseEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of read(file).split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith('#')) env[m[1]] = m[2];
  }
  return env;
}

const devEnv = parseEnvFile('env/.env.dev');
const outputs = new Set([...code.matchAll(/^output\s+(\w+)\s/gm)].map((m) => m[1]));
/** Variables the toolkit itself defines, or fills by asking (AZURE_*), or reads from the signed-in account. */
const BUILT_IN = new Set(['TEAMSFX_ENV', 'AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP_NAME', 'TEAMS_APP_TENANT_ID']);

describe('infra/azure.bicep and its parameters file', () => {
  test('the parameters file is a deployment parameters document naming every parameter of the template, and only those', () => {
    expect(parameters.$schema).toMatch(/deploymentParameters\.json#$/);
    expect(parameters.contentVersion).toBe('1.0.0.0');
    const declared = [...bicepParams().keys()].sort();
    expect(declared.length).toBeGreaterThan(5);
    expect(Object.keys(parameters.parameters).sort()).toEqual(declared);
  });

  test('parameters are strings or numbers the toolkit can fill; required ones get a value', () => {
    const params = bicepParams();
    for (const [name, { value }] of Object.entries(parameters.parameters)) {
      expect([name, typeof value]).toEqual([name, 'string']);
      const p = params.get(name)!;
      if (p.default === undefined) expect([name, String(value).length > 0]).toEqual([name, true]);
    }
  });

  test('secrets are @secure() parameters fed only from SECRET_ variables (encrypted in env/.env.<env>.user)', () => {
    const params = bicepParams();
    expect(params.get('botAadAppClientSecret')?.secure).toBe(true);
    expect(params.get('mongodbUri')?.secure).toBe(true);
    for (const [name, p] of params) {
      const placeholders = [...String(parameters.parameters[name].value).matchAll(PLACEHOLDER)].map((m) => m[1]);
      const secret = placeholders.some((v) => v.startsWith('SECRET_'));
      expect([name, secret]).toEqual([name, p.secure]);
    }
  });

  test('every placeholder of the parameters file is defined by env/.env.dev, by provision, or by the toolkit; secrets are named in its comments', () => {
    const writtenByProvision = new Set((teamsapp.provision ?? []).flatMap((a) => Object.values(a.writeToEnvironmentFile ?? {})));
    const devText = read('env/.env.dev');
    for (const [, name] of parametersText.matchAll(PLACEHOLDER)) {
      const known = name in devEnv || writtenByProvision.has(name) || BUILT_IN.has(name) || (name.startsWith('SECRET_') && devText.includes(name));
      expect([name, known]).toEqual([name, true]);
    }
  });

  test('App Service: Linux, Node 20, Always On, HTTPS only, health check on /readyz, the production start command', () => {
    expect(code).toMatch(/kind:\s*'linux'/);
    expect(code).toMatch(/reserved:\s*true/);
    expect(code).toMatch(/linuxFxVersion:\s*'NODE\|20-lts'/);
    expect(code).toMatch(/alwaysOn:\s*true/);
    expect(code).toMatch(/httpsOnly:\s*true/);
    expect(code).toMatch(/healthCheckPath:\s*'\/readyz'/);
    expect(code).toMatch(/minTlsVersion:\s*'1\.2'/);
    const serve = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.serve;
    expect(/appCommandLine:\s*'([^']+)'/.exec(code)?.[1]).toBe(serve);
    expect(serve).toBe('node dist/index.js');
  });

  test('app settings: BOT_PASSWORD and MONGODB_URI are Key Vault references; every setting is one the bot or the platform reads', () => {
    const settings = new Map([...code.matchAll(/\{\s*name:\s*'([A-Z_]+)',\s*value:\s*([^}]+?)\s*\}/g)].map((m) => [m[1], m[2]]));
    expect(/^(\w+)$/.exec(settings.get('MONGODB_URI') ?? '')?.[1]).toBe('mongodbUriReference');
    expect(/^(\w+)$/.exec(settings.get('BOT_PASSWORD') ?? '')?.[1]).toBe('botPasswordReference');
    expect(code).toMatch(/var mongodbUriReference = '@Microsoft\.KeyVault\(SecretUri=\$\{mongodbUriSecret\.properties\.secretUri\}\)'/);
    expect(code).toMatch(/'@Microsoft\.KeyVault\(SecretUri=\$\{botPasswordSecret!?\.properties\.secretUri\}\)'/);
    // The secrets themselves go nowhere but the vault.
    expect(code.match(/\bmongodbUri\b/g)).toHaveLength(2); // the parameter and the secret's value
    expect(code.match(/\bbotAadAppClientSecret\b/g)).toHaveLength(2);
    // The web app may read the vault's secrets (Key Vault Secrets User), nothing more.
    expect(code).toMatch(/4633458b-17de-408a-b874-0445c86b69e6/);
    expect(code).toMatch(/principalId:\s*web\.identity\.principalId/);
    const known = Object.keys((envSchema as unknown as { innerType(): { shape: Record<string, unknown> } }).innerType().shape);
    const platform = /^(NODE_ENV|SCM_DO_BUILD_DURING_DEPLOYMENT|WEBSITE_[A-Z_]+)$/;
    for (const name of settings.keys()) expect([name, known.includes(name) || platform.test(name)]).toEqual([name, true]);
  });

  test('Azure Bot: single-tenant or a user-assigned managed identity (never multi-tenant), with the Teams channel, at the App Service', () => {
    expect(code).not.toMatch(/MultiTenant/);
    const allowed = /@allowed\(\[([^\]]*)\]\)[\s\S]*?\nparam (\w+)/.exec(code);
    expect(allowed?.[2]).toBe('botAppType');
    expect(allowed?.[1].match(/'(\w+)'/g)).toEqual(["'SingleTenant'", "'UserAssignedMSI'"]);
    expect(parameters.parameters.botAppType.value).toBe('SingleTenant');
    expect(code).toMatch(/resource bot 'Microsoft\.BotService\/botServices@[\d-]+'/);
    expect(code).toMatch(/msaAppType:\s*botAppType/);
    expect(code).toMatch(/msaAppTenantId:\s*botTenantId/);
    expect(code).toMatch(/name:\s*'MsTeamsChannel'/);
    expect(code).toMatch(/endpoint:\s*'https:\/\/\$\{web\.properties\.defaultHostName\}\/api\/messages'/);
  });

  test('an EU region by default, in the template and in env/.env.dev', () => {
    const EU = ['swedencentral', 'northeurope', 'westeurope', 'germanywestcentral', 'francecentral'];
    expect(EU).toContain(/param location string = '(\w+)'/.exec(code)?.[1]);
    expect(EU).toContain(devEnv.AZURE_LOCATION);
    expect(parameters.parameters.location.value).toBe('${{AZURE_LOCATION}}');
  });

  test('brackets and braces balance (a cheap syntax check while no bicep CLI runs here)', () => {
    const stripped = code.replace(/'(?:[^'\\]|\\.)*'/g, "''");
    for (const [open, close] of [['{', '}'], ['[', ']'], ['(', ')']]) {
      expect([open, stripped.split(open).length]).toEqual([open, stripped.split(close).length]);
    }
  });
});

describe('teamsapp.yml', () => {
  const provision = teamsapp.provision ?? [];
  const uses = (stage: Action[]) => stage.map((a) => a.uses);

  test('the toolkit lifecycle: provision creates the app, the single-tenant Entra app, then deploys the Bicep', () => {
    expect(teamsapp.version).toBe('v1.7');
    expect(teamsapp.environmentFolderPath).toBe('./env');
    const order = uses(provision);
    expect(order.indexOf('aadApp/create')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('arm/deploy')).toBeGreaterThan(order.indexOf('aadApp/create'));
    // The Azure Bot of the template replaces the dev.botframework.com registration.
    expect(order).not.toContain('botFramework/create');
    expect(order).not.toContain('botAadApp/create'); // it registers a multi-tenant app
    const aad = provision.find((a) => a.uses === 'aadApp/create')!;
    expect(aad.with).toMatchObject({ signInAudience: 'AzureADMyOrg', generateClientSecret: true });
    expect(aad.writeToEnvironmentFile).toMatchObject({ clientId: 'BOT_ID', clientSecret: 'SECRET_BOT_PASSWORD' });
    const arm = provision.find((a) => a.uses === 'arm/deploy')!;
    const templates = arm.with!.templates as { path: string; parameters: string; deploymentName: string }[];
    expect(templates).toHaveLength(1);
    expect(path.resolve(ROOT, templates[0].path)).toBe(path.join(ROOT, 'infra', 'azure.bicep'));
    expect(path.resolve(ROOT, templates[0].parameters)).toBe(path.join(ROOT, 'infra', 'azure.parameters.json'));
    expect(templates[0].deploymentName).toMatch(/^[\w-]{1,64}$/);
    expect(arm.with).toMatchObject({ subscriptionId: '${{AZURE_SUBSCRIPTION_ID}}', resourceGroupName: '${{AZURE_RESOURCE_GROUP_NAME}}' });
  });

  test('deploy builds and zip-deploys to the App Service the template outputs', () => {
    const deploy = teamsapp.deploy ?? [];
    expect(uses(deploy)).toEqual(['cli/runNpmCommand', 'cli/runNpmCommand', 'azureAppService/zipDeploy']);
    expect(deploy[1].with?.args).toBe('run build');
    const zip = deploy[2].with as { resourceId: string; ignoreFile: string };
    expect(zip.resourceId).toBe('${{BOT_AZURE_APP_SERVICE_RESOURCE_ID}}');
    expect(outputs).toContain('BOT_AZURE_APP_SERVICE_RESOURCE_ID');
    // What the zip leaves out: secrets and local data.
    const ignored = read(zip.ignoreFile).split(/\r?\n/);
    for (const secret of ['env/*.user', '.localConfigs', '.data']) expect(ignored).toContain(secret);
  });

  test('every placeholder is defined by env/.env.dev, by an earlier action, by the Bicep outputs, or by the toolkit', () => {
    const defined = new Set([...Object.keys(devEnv), ...BUILT_IN, ...outputs]);
    for (const stage of ['provision', 'deploy', 'publish']) {
      for (const action of teamsapp[stage] ?? []) {
        for (const [, name] of JSON.stringify(action.with ?? {}).matchAll(PLACEHOLDER)) expect([stage, action.uses, name, defined.has(name)]).toEqual([stage, action.uses, name, true]);
        for (const name of Object.values(action.writeToEnvironmentFile ?? {})) defined.add(name);
      }
    }
  });

  test('publish checks the publisher details before the package goes to the Teams admin center', () => {
    const publish = teamsapp.publish ?? [];
    const check = publish.findIndex((a) => a.uses === 'script' && /scripts\/check-publisher\.cjs/.test(String(a.with?.run)));
    expect(check).toBeGreaterThanOrEqual(0);
    expect(check).toBeLessThan(publish.findIndex((a) => a.uses === 'teamsApp/publishAppPackage'));
    const manifestDeveloper = [...read('appPackage/manifest.json').matchAll(/"\$\{\{(DEVELOPER_\w+)\}\}"/g)].map((m) => m[1]).sort();
    const checked = [...String(publish[check].with!.run).matchAll(/"(\w+)=\$\{\{(\w+)\}\}"/g)].map((m) => {
      expect(m[1]).toBe(m[2]);
      return m[2];
    });
    expect(checked.sort()).toEqual(manifestDeveloper);
  });
});

describe('BOT_TYPE: single-tenant (or a managed identity) wherever a bot is registered', () => {
  // New multi-tenant Azure Bots can no longer be created; a county's bot is single-tenant (or a
  // user-assigned managed identity), and the local Playground needs no registration at all.
  test('teamsapp.local.yml registers a single-tenant Entra app and runs the bot as SingleTenant in its tenant', () => {
    const local = parseYaml(read('teamsapp.local.yml')) as Record<string, Action[]>;
    const order = (local.provision ?? []).map((a) => a.uses);
    expect(order).not.toContain('botAadApp/create'); // it registers a multi-tenant app
    const aad = (local.provision ?? []).find((a) => a.uses === 'aadApp/create')!;
    expect(aad.with).toMatchObject({ signInAudience: 'AzureADMyOrg', generateClientSecret: true });
    expect(aad.writeToEnvironmentFile).toMatchObject({ clientId: 'BOT_ID', clientSecret: 'SECRET_BOT_PASSWORD', tenantId: 'TEAMS_APP_TENANT_ID' });
    expect(order.indexOf('botFramework/create')).toBeGreaterThan(order.indexOf('aadApp/create'));
    const envFile = (local.deploy ?? []).find((a) => a.uses === 'file/createOrUpdateEnvironmentFile')!;
    expect(envFile.with?.envs).toMatchObject({ BOT_ID: '${{BOT_ID}}', BOT_TYPE: 'SingleTenant', BOT_TENANT_ID: '${{TEAMS_APP_TENANT_ID}}' });
  });

  test('no environment file, toolkit file or template names MultiTenant; the config defaults to SingleTenant', () => {
    const files = ['teamsapp.yml', 'teamsapp.local.yml', 'infra/azure.parameters.json', ...fs.readdirSync(path.join(ROOT, 'env')).map((f) => `env/${f}`)];
    for (const f of files) expect([f, /MultiTenant/.test(read(f).replace(/^\s*#.*$/gm, ''))]).toEqual([f, false]);
    const parsed = parseConfig({ MONGODB_URI: 'mongodb://127.0.0.1:27017/' });
    expect(parsed.ok && parsed.config.bot.type).toBe('SingleTenant');
  });
});
