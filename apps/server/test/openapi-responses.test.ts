import { buildOpenApiDocument } from '@campaigns/api';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './support/harness';
import { createResponseChecker, type OpenApiDocument } from './support/openapi-responses';
import { restClient } from './support/rest';

// Every test file that uses startTestServer() has its /v1 responses checked against the OpenAPI
// document, and its close() fails on a mismatch. These tests prove that the check catches what it
// claims to: a wrong body, an undocumented status, an undocumented route.

const CAMPAIGNS = '/v1/messaging/campaigns';
const CAMPAIGN_PATH = `${CAMPAIGNS}/{id}`;

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
}
interface Document {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, Schema> };
}

/** A copy of the server's own document, to be broken on purpose. */
const documentCopy = (): Document =>
  structuredClone(buildOpenApiDocument({ baseUrl: 'http://127.0.0.1' })) as unknown as Document;

/** `schema` now requires a property the server never sends. */
function requireExtraProperty(schema: Schema | undefined): void {
  if (!schema?.properties || !schema.required) throw new Error('not an object schema');
  schema.properties.extra = { type: 'string' };
  schema.required.push('extra');
}

const campaignBody = { name: 'Checked', segment_id: 'seg_1' };

describe('the harness checks /v1 responses against the document', () => {
  it('a session whose responses all conform closes cleanly (errors, routes and query strings included)', async () => {
    const server = await startTestServer();
    const rest = restClient(server.url);
    const token = await server.token();
    const created = await rest<{ id: string }>('POST', CAMPAIGNS, { token, body: campaignBody });
    expect(created.status).toBe(201);
    expect((await rest('GET', `${CAMPAIGNS}?limit=5&status=draft`, { token })).status).toBe(200);
    expect((await rest('POST', `${CAMPAIGNS}/${created.body.id}/schedule`, { token, body: {} })).status).toBe(
      400,
    );
    expect((await rest('GET', `${CAMPAIGNS}/${created.body.id}`)).status).toBe(401);
    expect((await rest('GET', '/v1/no/such/route', { token })).status).toBe(404);
    await expect(server.close()).resolves.toBeUndefined();
  });

  it('a body that does not match the documented schema fails close(), naming operation and field', async () => {
    const document = documentCopy();
    requireExtraProperty(document.components.schemas.Campaign);
    const server = await startTestServer({ validateResponses: { document: document as OpenApiDocument } });
    const token = await server.token();
    expect((await restClient(server.url)('POST', CAMPAIGNS, { token, body: campaignBody })).status).toBe(201);
    await expect(server.close()).rejects.toThrow(
      /POST \/v1\/messaging\/campaigns → 201 \(createCampaign\).*extra/,
    );
  });

  it('a status the operation does not document fails close(), even when the body is a valid Error', async () => {
    const document = documentCopy();
    const schedule = document.paths[`${CAMPAIGN_PATH}/schedule`]?.post;
    if (!schedule) throw new Error('no scheduleCampaign');
    delete schedule.responses['412'];
    const server = await startTestServer({ validateResponses: { document: document as OpenApiDocument } });
    const rest = restClient(server.url);
    const token = await server.token();
    const created = await rest<{ id: string }>('POST', CAMPAIGNS, { token, body: campaignBody });
    const scheduled = await rest('POST', `${CAMPAIGNS}/${created.body.id}/schedule`, {
      token,
      body: { scheduled_at: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect(scheduled.status).toBe(412); // no steps
    await expect(server.close()).rejects.toThrow(/scheduleCampaign does not document status 412/);
  });

  it('a success on a route the document does not describe fails close()', async () => {
    const document = documentCopy();
    delete document.paths[CAMPAIGN_PATH]?.get;
    const server = await startTestServer({ validateResponses: { document: document as OpenApiDocument } });
    const rest = restClient(server.url);
    const token = await server.token();
    const created = await rest<{ id: string }>('POST', CAMPAIGNS, { token, body: campaignBody });
    expect((await rest('GET', `${CAMPAIGNS}/${created.body.id}`, { token })).status).toBe(200);
    await expect(server.close()).rejects.toThrow(/no documented operation answers GET/);
  });

  it('an error on an undocumented route must still have the Error body', async () => {
    const document = documentCopy();
    requireExtraProperty(document.components.schemas.ErrorResponse);
    const server = await startTestServer({ validateResponses: { document: document as OpenApiDocument } });
    const token = await server.token();
    expect((await restClient(server.url)('GET', '/v1/no/such/route', { token })).status).toBe(404);
    await expect(server.close()).rejects.toThrow(
      /GET \/v1\/no\/such\/route → 404.*components\/schemas\/ErrorResponse/,
    );
  });

  it('validateResponses: false turns the check off', async () => {
    const server = await startTestServer({ validateResponses: false });
    expect((await restClient(server.url)('GET', '/v1/no/such/route')).status).toBe(404);
    await expect(server.close()).resolves.toBeUndefined();
  });
});

describe('createResponseChecker', () => {
  const checker = createResponseChecker(buildOpenApiDocument({ baseUrl: 'http://127.0.0.1' }));
  const json = 'application/json; charset=utf-8';
  const step = {
    id: 'stp_1',
    campaign_id: 'cmp_1',
    position: 0,
    template_id: 't',
    template_version_id: 'v',
    delay_minutes: 0,
    variables: {},
  };

  it('matches path templates with one segment per parameter, and the most specific template first', () => {
    const url = `${CAMPAIGNS}/cmp_1/steps/stp_1`;
    expect(
      checker.check({ method: 'PATCH', url, status: 200, contentType: json, body: JSON.stringify(step) }),
    ).toBeUndefined();
    expect(
      checker.check({
        method: 'PATCH',
        url,
        status: 200,
        contentType: json,
        body: JSON.stringify({ ...step, position: '0' }),
      }),
    ).toMatch(/updateCampaignStep.*position/);
    expect(
      checker.check({
        method: 'GET',
        url: `${CAMPAIGNS}//steps`,
        status: 200,
        contentType: json,
        body: '{}',
      }),
    ).toMatch(/no documented operation/);
  });

  it('flags a documented JSON response sent without a JSON content type or body', () => {
    const url = `${CAMPAIGNS}/cmp_1`;
    expect(
      checker.check({ method: 'GET', url, status: 404, contentType: 'text/plain', body: 'Not Found' }),
    ).toMatch(/content-type text\/plain/);
    expect(checker.check({ method: 'GET', url, status: 404, contentType: json, body: '{"error":' })).toMatch(
      /not JSON/,
    );
  });
});
