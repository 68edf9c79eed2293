// The Teams app package (appPackage/): manifest.json validated offline against the Teams
// manifest JSON schema of its own manifestVersion as shipped in @microsoft/app-manifest (the
// schemas Microsoft publishes at developer.microsoft.com/json-schemas/teams/), sv.json and
// en.json against the Localization schema of the same version, and the two icons decoded.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import type AjvCore from 'ajv/dist/core';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { decodePng } from '../support/png';

const ROOT = path.join(__dirname, '..', '..');
const APP_PACKAGE = path.join(ROOT, 'appPackage');
const ENV_DIR = path.join(ROOT, 'env');
const APP_MANIFEST_PACKAGE = path.dirname(require.resolve('@microsoft/app-manifest/package.json'));
const TEAMS_SCHEMAS = path.join(APP_MANIFEST_PACKAGE, 'build', 'json-schemas', 'teams');

// The Teams schemas are JSON Schema draft-04: validate them the way @microsoft/app-manifest
// does, with its own ajv-draft-04 (resolved from that package, so hoisting does not matter).
type AjvClass = new (options: Options) => AjvCore;
const Ajv04 = (createRequire(path.join(APP_MANIFEST_PACKAGE, 'package.json'))('ajv-draft-04') as { default: AjvClass })
  .default;

interface Command {
  title: string;
  description?: string;
}
interface CommandList {
  scopes: string[];
  commands: Command[];
}
interface Bot {
  botId: string;
  scopes: string[];
  supportsFiles?: boolean;
  isNotificationOnly?: boolean;
  commandLists?: CommandList[];
}
interface Manifest {
  $schema: string;
  manifestVersion: string;
  version: string;
  id: string;
  name: { short: string; full?: string };
  icons: { color: string; outline: string };
  localizationInfo?: {
    defaultLanguageTag: string;
    additionalLanguages?: { languageTag: string; file: string }[];
  };
  bots?: Bot[];
  validDomains?: string[];
  webApplicationInfo?: unknown;
}
type Localization = Record<string, string>;

/** `${{NAME}}` as Teams Toolkit / Microsoft 365 Agents Toolkit resolves it in manifest.json. */
const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Values the toolkit writes at provision time; stand-ins so the manifest can be validated. */
const SAMPLE_IDS: Record<string, string> = {
  TEAMS_APP_ID: '3f0c5a2e-8d1b-4c7a-9e6f-2b4d8a1c5e73',
  BOT_ID: '7a9e2c41-5b3d-4f8e-a6c2-9d1e4b7f3a05',
};

function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

function readJson<T>(file: string): T {
  return JSON.parse(readText(file)) as T;
}

function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))].sort();
}

function resolvePlaceholders(text: string, env: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (_, name: string) => {
    const value = env[name];
    if (value === undefined) throw new Error(`no value for placeholder \${{${name}}}`);
    return value;
  });
}

/** KEY=VALUE lines of a toolkit environment file (comments and blank lines skipped). */
function parseEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readText(file).split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith('#')) env[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}

/** The committed environments: env/.env.<name>, not the git-ignored .env.<name>.user. */
const ENV_FILES = fs
  .readdirSync(ENV_DIR)
  .filter((f) => /^\.env\.[A-Za-z0-9_-]+$/.test(f))
  .sort();

const manifestText = readText(path.join(APP_PACKAGE, 'manifest.json'));

/** manifest.json as zipAppPackage would build it for an environment file. */
function resolvedManifest(envFile: string): Manifest {
  const env = parseEnvFile(path.join(ENV_DIR, envFile));
  for (const [key, sample] of Object.entries(SAMPLE_IDS)) if (!env[key]) env[key] = sample;
  return JSON.parse(resolvePlaceholders(manifestText, env)) as Manifest;
}

const manifest = resolvedManifest('.env.local');
const bot = (manifest.bots ?? [])[0];
const schemaDir = path.join(TEAMS_SCHEMAS, `v${manifest.manifestVersion}`);

function compile(schemaFile: string): ValidateFunction {
  const schema = readJson<Record<string, unknown>>(schemaFile);
  const draft = String(schema.$schema ?? '');
  // unicodeRegExp: false compiles `pattern`s without the u flag, as plain ECMA-262 regular
  // expressions: the Localization schema has patterns such as `\[\b(...)\b]\.description$`
  // whose lone `]` is valid JavaScript but a syntax error under the u flag.
  const options: Options = { strict: false, allErrors: true, unicodeRegExp: false };
  const ajv = draft.includes('draft-04') ? new Ajv04(options) : draft.includes('2020-12') ? new Ajv2020(options) : new Ajv(options);
  // ajv-formats is typed for the draft-07 class; the plugin only uses the core API
  addFormats(ajv as Ajv);
  return ajv.compile(schema);
}

function problems(validate: ValidateFunction, data: unknown): string[] {
  if (validate(data)) return [];
  return (validate.errors ?? []).map(
    (e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
  );
}

let validateManifest: ValidateFunction;
let validateLocalization: ValidateFunction;

beforeAll(() => {
  validateManifest = compile(path.join(schemaDir, 'MicrosoftTeams.schema.json'));
  validateLocalization = compile(path.join(schemaDir, 'MicrosoftTeams.Localization.schema.json'));
});

describe('manifest.json', () => {
  test('names the schema of its manifestVersion, shipped in @microsoft/app-manifest', () => {
    expect(manifest.manifestVersion).toMatch(/^1\.\d+$/);
    expect(manifest.$schema).toBe(
      `https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`,
    );
    expect(fs.existsSync(path.join(schemaDir, 'MicrosoftTeams.schema.json'))).toBe(true);
  });

  test('uses only the placeholders the toolkit environments define', () => {
    expect(placeholdersIn(manifestText)).toEqual([
      'APP_NAME_SUFFIX', 'APP_VERSION', 'BOT_ID',
      'DEVELOPER_NAME', 'DEVELOPER_PRIVACY_URL', 'DEVELOPER_TERMS_OF_USE_URL', 'DEVELOPER_WEBSITE_URL',
      'TEAMS_APP_ID',
    ]);
    expect(ENV_FILES).toEqual(expect.arrayContaining(['.env.dev', '.env.local']));
    for (const envFile of ENV_FILES) {
      const env = parseEnvFile(path.join(ENV_DIR, envFile));
      for (const name of placeholdersIn(manifestText)) expect([envFile, name, name in env]).toEqual([envFile, name, true]);
    }
  });

  test('per-county values (publisher, its pages, app id, version) come from env/.env.*, not literals', () => {
    const raw = JSON.parse(manifestText) as { id: string; version: string; developer: Record<string, string> };
    expect(raw.id).toBe('${{TEAMS_APP_ID}}');
    expect(raw.version).toBe('${{APP_VERSION}}');
    expect(raw.developer).toEqual({
      name: '${{DEVELOPER_NAME}}',
      websiteUrl: '${{DEVELOPER_WEBSITE_URL}}',
      privacyUrl: '${{DEVELOPER_PRIVACY_URL}}',
      termsOfUseUrl: '${{DEVELOPER_TERMS_OF_USE_URL}}',
    });
    // No address of anyone's in the package itself (the schema's URL aside).
    expect(manifestText.replace(/"\$schema": "[^"]*"/, '')).not.toMatch(/https?:\/\//);
    expect(manifestText).not.toMatch(/example\.fi/);
  });

  test.each(ENV_FILES)('env/%s gives the publisher, https pages and a version', (envFile) => {
    const env = parseEnvFile(path.join(ENV_DIR, envFile));
    expect(env.APP_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(env.DEVELOPER_NAME?.trim()).toBeTruthy();
    for (const name of ['DEVELOPER_WEBSITE_URL', 'DEVELOPER_PRIVACY_URL', 'DEVELOPER_TERMS_OF_USE_URL']) {
      expect([name, new URL(env[name]).protocol]).toEqual([name, 'https:']);
    }
    const built = resolvedManifest(envFile);
    expect(built.version).toBe(env.APP_VERSION);
  });

  test('publish refuses sample publisher pages and accepts a county\'s own (scripts/check-publisher.cjs)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { publisherProblems } = require(path.join(ROOT, 'scripts', 'check-publisher.cjs')) as {
      publisherProblems(values: Record<string, string>): string[];
    };
    const names = ['DEVELOPER_NAME', 'DEVELOPER_WEBSITE_URL', 'DEVELOPER_PRIVACY_URL', 'DEVELOPER_TERMS_OF_USE_URL'];
    const sample = parseEnvFile(path.join(ENV_DIR, '.env.dev'));
    const fromSample = Object.fromEntries(names.map((n) => [n, sample[n]]));
    expect(publisherProblems(fromSample)).toEqual([
      expect.stringMatching(/^DEVELOPER_WEBSITE_URL is an example address/),
      expect.stringMatching(/^DEVELOPER_PRIVACY_URL is an example address/),
      expect.stringMatching(/^DEVELOPER_TERMS_OF_USE_URL is an example address/),
    ]);
    expect(publisherProblems({ ...fromSample, DEVELOPER_WEBSITE_URL: 'http://www.pirha.fi', DEVELOPER_PRIVACY_URL: '${{DEVELOPER_PRIVACY_URL}}', DEVELOPER_TERMS_OF_USE_URL: 'https://www.example.fi/ehdot' })).toEqual([
      expect.stringMatching(/^DEVELOPER_WEBSITE_URL must be an https/),
      'DEVELOPER_PRIVACY_URL is not set',
      expect.stringMatching(/^DEVELOPER_TERMS_OF_USE_URL is an example address/),
    ]);
    expect(publisherProblems({
      DEVELOPER_NAME: 'Pirkanmaan hyvinvointialue',
      DEVELOPER_WEBSITE_URL: 'https://www.pirha.fi',
      DEVELOPER_PRIVACY_URL: 'https://www.pirha.fi/tietosuoja',
      DEVELOPER_TERMS_OF_USE_URL: 'https://www.pirha.fi/kayttoehdot',
    })).toEqual([]);
  });

  test.each(ENV_FILES)('is valid against the Teams schema when built for env/%s', (envFile) => {
    expect(problems(validateManifest, resolvedManifest(envFile))).toEqual([]);
  });

  test('the compiled schema is not vacuous: a broken manifest is rejected', () => {
    const broken = JSON.parse(JSON.stringify(manifest)) as Manifest & Record<string, unknown>;
    broken.bots = [{ ...bot, botId: 'not-a-guid', scopes: ['personal', 'channel'] }];
    delete broken.developer;
    broken.unknownField = true;
    const found = problems(validateManifest, broken).join('\n');
    expect(found).toMatch(/\/bots\/0\/botId/);
    expect(found).toMatch(/\/bots\/0\/scopes\/1/);
    expect(found).toMatch(/developer/);
    expect(found).toMatch(/unknownField/);
  });

  test('the bot: personal, group chat and team; conversational; sends files', () => {
    expect(manifest.bots).toHaveLength(1);
    expect(bot.botId).toMatch(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i);
    expect([...bot.scopes].sort()).toEqual(['groupChat', 'personal', 'team']);
    expect(bot.isNotificationOnly).toBe(false);
    expect(bot.supportsFiles).toBe(true);
  });

  test('one command list per scope, Finnish command words (the default language)', () => {
    expect(manifest.localizationInfo?.defaultLanguageTag).toBe('fi');
    const titles = Object.fromEntries((bot.commandLists ?? []).map((l) => [l.scopes.join(','), l.commands.map((c) => c.title)]));
    expect(titles).toEqual({
      personal: ['ohje', 'tilaa', 'omat tilaukset', 'ilmoittaudu', 'profiili', 'tauko', 'jatka', 'omat tiedot'],
      groupChat: ['ohje', 'tilaa', 'omat tilaukset'],
      team: ['ohje', 'koordinaattorikanava', 'kooste nyt', 'palkkiot'],
    });
    for (const list of bot.commandLists ?? []) {
      for (const command of list.commands) expect([command.title, Boolean(command.description?.trim())]).toEqual([command.title, true]);
    }
  });

  test('no web application info; valid domains without placeholders', () => {
    expect(manifest.webApplicationInfo).toBeUndefined();
    for (const domain of manifest.validDomains ?? []) expect(domain).not.toMatch(/\$\{\{/);
  });
});

describe('localization files', () => {
  const languages = manifest.localizationInfo?.additionalLanguages ?? [];

  test('Swedish and English, files inside appPackage', () => {
    expect(languages).toEqual([
      { languageTag: 'sv', file: 'sv.json' },
      { languageTag: 'en', file: 'en.json' },
    ]);
  });

  /** Every text of the manifest that a localization file can translate and this app has. */
  const translatableKeys = [
    'name.short',
    'name.full',
    'description.short',
    'description.full',
    ...(bot.commandLists ?? []).flatMap((list, i) =>
      list.commands.flatMap((command, j) =>
        (['title', 'description'] as const)
          .filter((field) => command[field] !== undefined)
          .map((field) => `bots[0].commandLists[${i}].commands[${j}].${field}`),
      ),
    ),
  ].sort();

  describe.each(languages.map((l) => [l.languageTag, l.file]))('%s (%s)', (_tag, file) => {
    const text = readText(path.join(APP_PACKAGE, file));
    const localization = JSON.parse(text) as Localization;

    test('is valid against the Localization schema of the same version', () => {
      expect(localization.$schema).toBe(
        `https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.Localization.schema.json`,
      );
      expect(problems(validateLocalization, localization)).toEqual([]);
    });

    test('translates the names, the descriptions and every command, nothing else', () => {
      const keys = Object.keys(localization).filter((k) => k !== '$schema').sort();
      expect(keys).toEqual(translatableKeys);
      for (const key of keys) expect([key, localization[key].trim() !== '']).toEqual([key, true]);
    });

    test('has no placeholders (zipAppPackage copies language files as they are)', () => {
      expect(placeholdersIn(text)).toEqual([]);
    });
  });

  test('the compiled schema is not vacuous: a broken localization file is rejected', () => {
    const found = problems(validateLocalization, {
      'name.short': 'x'.repeat(31),
      'description.short': 'ok',
      'bots[0].commandLists[3].commands[0].title': 'no such list',
    }).join('\n');
    expect(found).toMatch(/name\.short/);
    expect(found).toMatch(/description\.full/);
    expect(found).toMatch(/commandLists\[3\]/);
  });
});

describe('icons', () => {
  test('color.png is a 192x192 full-colour image', () => {
    expect(manifest.icons.color).toBe('color.png');
    const png = decodePng(fs.readFileSync(path.join(APP_PACKAGE, manifest.icons.color)));
    expect([png.width, png.height]).toEqual([192, 192]);
    const colours = new Set<number>();
    for (let o = 0; o < png.rgba.length; o += 4) if (png.rgba[o + 3] > 0) colours.add(png.rgba.readUInt32BE(o));
    expect(colours.size).toBeGreaterThan(2);
  });

  test('outline.png is 32x32, white on a transparent background and nothing else', () => {
    expect(manifest.icons.outline).toBe('outline.png');
    const png = decodePng(fs.readFileSync(path.join(APP_PACKAGE, manifest.icons.outline)));
    expect([png.width, png.height]).toEqual([32, 32]);
    const notWhite: string[] = [];
    let white = 0;
    for (let p = 0; p < png.width * png.height; p++) {
      const [r, g, b, a] = png.rgba.subarray(p * 4, p * 4 + 4);
      if (a === 0) continue;
      if (r === 255 && g === 255 && b === 255) white++;
      else notWhite.push(`(${p % png.width},${Math.floor(p / png.width)}) rgba(${r},${g},${b},${a})`);
    }
    expect(notWhite).toEqual([]);
    expect(white).toBeGreaterThan(0);
    const corners = [0, 31, 32 * 31, 32 * 32 - 1].map((p) => png.rgba[p * 4 + 3]);
    expect(corners).toEqual([0, 0, 0, 0]);
  });
});
