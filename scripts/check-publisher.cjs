// Run by `teamsapp publish` (teamsapp.yml) before the app package goes to the Teams admin
// center: the publisher details in appPackage/manifest.json come from env/.env.<env>, and an
// organisation's app catalogue must not show a placeholder publisher or example pages.
//   node scripts/check-publisher.cjs "DEVELOPER_NAME=..." "DEVELOPER_WEBSITE_URL=..." ...
// Exits 1 and names each value to fix.
'use strict';
const RESERVED = /(^|\.)(example|test|invalid|localhost)$|(^|\.)example\.(com|net|org|fi|se)$|^localhost$/i;

function publisherProblems(values) {
  const problems = [];
  for (const [name, value] of Object.entries(values)) {
    const v = (value ?? '').trim();
    if (!v || v.includes('${{')) {
      problems.push(`${name} is not set`);
      continue;
    }
    if (!name.endsWith('_URL')) continue;
    let url;
    try {
      url = new URL(v);
    } catch {
      problems.push(`${name} is not a URL (got "${v}")`);
      continue;
    }
    if (url.protocol !== 'https:') problems.push(`${name} must be an https:// address (got "${v}")`);
    else if (RESERVED.test(url.hostname)) problems.push(`${name} is an example address (got "${v}"): set the county's own page`);
  }
  return problems;
}

module.exports = { publisherProblems };

if (require.main === module) {
  const values = Object.fromEntries(process.argv.slice(2).map((a) => {
    const i = a.indexOf('=');
    return i < 0 ? [a, ''] : [a.slice(0, i), a.slice(i + 1)];
  }));
  const problems = publisherProblems(values);
  if (problems.length > 0) {
    process.stderr.write(`The app's publisher details are not ready for the Teams admin center; set them in env/.env.<environment>:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write('Publisher details: ok\n');
}
