import { type CampaignsClientError, isCampaignsClientError } from '@campaigns/client';
import type { Campaign, Step } from '@campaigns/contract';
import type { PrismaClient } from '@campaigns/db';
import { expect } from 'vitest';
import type { Rest, RestResponse } from './rest';

/** Shared helpers of the lifecycle, schedule and add-step tests (not a test file itself). */

export const CAMPAIGNS = '/v1/messaging/campaigns';
export const campaignPath = (id: string) => `${CAMPAIGNS}/${id}`;
export const stepsPath = (id: string) => `${CAMPAIGNS}/${id}/steps`;
export const stepPath = (id: string, stepId: string) => `${CAMPAIGNS}/${id}/steps/${stepId}`;

/** Well-formed ids that were never issued. */
export const MISSING_CAMPAIGN = 'cmp_00000000000000000000000000000000';
export const MISSING_STEP = 'stp_00000000000000000000000000000000';

export const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export async function createCampaign(
  rest: Rest,
  token: string,
  body: Record<string, unknown> = { name: 'Spring sale', segment_id: 'seg_1' },
): Promise<Campaign> {
  const response = await rest<Campaign>('POST', CAMPAIGNS, { token, body });
  expect(response.status, response.text).toBe(201);
  return response.body;
}

export async function addStep(
  rest: Rest,
  token: string,
  campaignId: string,
  body: Record<string, unknown> = {},
): Promise<Step> {
  const response = await rest<Step>('POST', stepsPath(campaignId), {
    token,
    body: { position: 0, template_id: 'tpl_1', template_version_id: 'tplv_1', ...body },
  });
  expect(response.status, response.text).toBe(201);
  return response.body;
}

/**
 * A draft with `n` steps; step k has template_id `tpl_k`. The campaign is created over REST, the steps are
 * written in one statement (addStep itself is tested elsewhere; this keeps fixtures cheap), then read back
 * over REST so they are exactly what the API shows.
 */
export async function draftWithSteps(
  db: PrismaClient,
  rest: Rest,
  token: string,
  n: number,
): Promise<{ campaign: Campaign; steps: Step[] }> {
  const campaign = await createCampaign(rest, token);
  await insertSteps(db, campaign.id, n, new Date(campaign.created_at));
  return { campaign, steps: await listSteps(rest, token, campaign.id) };
}

export async function listSteps(rest: Rest, token: string, campaignId: string): Promise<Step[]> {
  const response = await rest<{ items: Step[] }>('GET', stepsPath(campaignId), { token });
  expect(response.status, response.text).toBe(200);
  return response.body.items;
}

export async function getCampaign(rest: Rest, token: string, campaignId: string): Promise<Campaign> {
  const response = await rest<Campaign>('GET', campaignPath(campaignId), { token });
  expect(response.status, response.text).toBe(200);
  return response.body;
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export { forceStatus, insertSteps, snapshot, storedPositions } from '@campaigns/db/testing';

import { insertSteps } from '@campaigns/db/testing';

export const ERROR_KEYS = ['details', 'error', 'message'];

interface ErrorBody {
  error: string;
  message: string;
  details: Record<string, unknown>;
}

/**
 * A REST error in the contract's shape: JSON, exactly `{error, message, details}` (a non-empty message,
 * an object of details), with the given status. Returns the body.
 */
export function expectError(response: RestResponse, status: number, error: string): ErrorBody {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = response.body as ErrorBody;
  expect(Object.keys(body).sort()).toEqual(ERROR_KEYS);
  expect(body.error).toBe(error);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(body.details).toBeTypeOf('object');
  expect(body.details).not.toBeNull();
  return body;
}

/** expectError, and `details` equal to the given ones if given. Returns the details. */
export function expectErrorBody(
  response: RestResponse,
  status: number,
  error: string,
  details?: Record<string, unknown>,
): Record<string, unknown> {
  const body = expectError(response, status, error);
  if (details) expect(body.details).toEqual(details);
  return body.details;
}

/** A 400 whose issues include one at exactly `path`. */
export function expectValidationIssueAt(response: RestResponse, path: (string | number)[]): void {
  const details = expectErrorBody(response, 400, 'validation_failed');
  const issues = details.issues as { path: (string | number)[]; message: string }[];
  expect(issues.map((issue) => issue.path)).toContainEqual(path);
}

/** The typed client's error of a tRPC call that must fail (anything else it throws is rethrown). */
export async function trpcClientError(call: Promise<unknown>): Promise<CampaignsClientError> {
  const outcome = await call.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected the tRPC call to fail, got ${JSON.stringify(outcome.value)}`);
  if (!isCampaignsClientError(outcome.error)) throw outcome.error;
  return outcome.error;
}

/** The failure of a tRPC call: its typed error data (`code`, `error`, `details`, `httpStatus`). */
export async function trpcFailure(call: Promise<unknown>) {
  const { data } = await trpcClientError(call);
  if (!data) throw new Error('the tRPC error carries no data');
  return data;
}

/** An ISO instant `ms` from now (real time). */
export const fromNow = (ms: number): string => new Date(Date.now() + ms).toISOString();
