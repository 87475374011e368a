import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { renderCommittedOpenApi } from '../../src/openapi/committed';

// `pnpm openapi:lint` in a test: Redocly CLI with the committed ruleset (redocly.yaml) passes the
// document, and fails a document broken in each way the ruleset is there to catch.

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const REDOCLY = join(ROOT, 'node_modules/.bin/redocly');
// No telemetry, no update check: the linter must not reach the network.
const OFFLINE = { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; message: string; location: Array<{ pointer?: string }> }>;
}

const scratch = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function lint(document: unknown): Promise<LintReport> {
  const file = join(scratch, `openapi-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(document, null, 2));
  const args = ['lint', '--config', join(ROOT, 'redocly.yaml'), '--format=json', file];
  const options = { cwd: ROOT, env: { ...process.env, ...OFFLINE }, maxBuffer: 16 * 1024 * 1024 };
  // Exit code 1 just means problems were found; the JSON report says which.
  const stdout = await promisify(execFile)(REDOCLY, args, options).then(
    (result) => result.stdout,
    (error: { stdout?: string }) => error.stdout ?? '',
  );
  return JSON.parse(stdout) as LintReport;
}

interface Operation {
  description?: string;
  security?: unknown;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}
interface Document {
  info: Record<string, unknown>;
  tags: Array<Record<string, unknown>>;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Record<string, unknown>>;
    securitySchemes: Record<string, Record<string, unknown>>;
  };
}

const generated = () => JSON.parse(renderCommittedOpenApi()) as Document;

function operation(document: Document, path: string, method: string): Operation {
  const found = document.paths[path]?.[method];
  if (!found) throw new Error(`${method} ${path} is not in the document`);
  return found;
}

describe('Redocly CLI with redocly.yaml', () => {
  it('passes the generated document, with no warnings either', async () => {
    const report = await lint(generated());
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('fails a document without the things REST callers rely on, naming the rule for each', async () => {
    const document = generated();
    const create = operation(document, '/v1/messaging/campaigns', 'post');
    const schedule = operation(document, '/v1/messaging/campaigns/{id}/schedule', 'post');
    const get = operation(document, '/v1/messaging/campaigns/{id}', 'get');
    delete document.info.contact;
    delete document.tags[0]?.description;
    delete create.description;
    delete schedule.security;
    delete create.requestBody?.content['application/json']?.schema.examples;
    delete document.components.schemas.Step?.example;
    get.responses['404'] = {
      description: 'Not found',
      content: { 'application/json': { schema: { type: 'object' } } },
    };
    get.responses['403'] = {
      description: 'Forbidden',
      content: { 'text/plain': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
    };
    document.components.securitySchemes = { bearerAuth: { type: 'apiKey', in: 'header', name: 'x-key' } };

    const rules = new Set((await lint(document)).problems.map((problem) => problem.ruleId));
    expect([...rules].sort()).toEqual(
      [
        'info-contact',
        'tag-description',
        'operation-description',
        'security-defined',
        'rule/operation-security',
        'rule/request-body-example',
        'rule/response-example',
        'rule/error-responses-use-error-schema',
        'rule/error-responses-are-json',
        'rule/bearer-scheme-type',
      ].sort(),
    );
  });

  it('is the ruleset and document that `pnpm openapi:lint` checks, offline', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const script = manifest.scripts['openapi:lint'] ?? '';
    expect(script).toContain('redocly lint --config redocly.yaml openapi/openapi.json');
    for (const [name, value] of Object.entries(OFFLINE)) expect(script).toContain(`${name}=${value}`);
    expect(readFileSync(join(ROOT, 'redocly.yaml'), 'utf8')).toMatch(/^telemetry: off$/m);
  });
});
