import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { describeError } from '../src/api/describe-error';
import { readApiProblem } from '../src/api/problem';

/** A tRPC error exactly as the client receives one from our server's error formatter. */
const serverError = (error: string, details: Record<string, unknown> = {}, message = 'Server message') =>
  TRPCClientError.from({
    error: {
      code: -32000,
      message,
      data: { code: 'X', httpStatus: 400, path: 'campaigns.x', error, details },
    },
  });

describe('readApiProblem', () => {
  it('reads the contract code and details from error.data', () => {
    const problem = readApiProblem(serverError('bad_state', { reason: 'no_steps' }));
    expect(problem).toMatchObject({ code: 'bad_state', details: { reason: 'no_steps' }, retryable: false });
  });

  it('treats an error without data (offline, proxy down) as a network problem worth retrying', () => {
    const problem = readApiProblem(TRPCClientError.from(new TypeError('Failed to fetch')));
    expect(problem).toMatchObject({ code: 'network', retryable: true });
    expect(readApiProblem(new Error('boom')).code).toBe('network');
  });

  it('never trusts an unknown code', () => {
    expect(readApiProblem(serverError('teapot')).code).toBe('internal');
  });
});

describe('describeError', () => {
  it('puts validation issues next to the fields they name', () => {
    const error = serverError('validation_failed', {
      issues: [{ path: ['scheduled_at'], message: 'Must be in the future' }],
    });
    expect(describeError(error, 'schedule', ['scheduled_at'])).toEqual({
      summary: '',
      fields: { scheduled_at: 'Choose a date and time in the future.' },
    });
  });

  it('keeps issues about fields the form does not show in the summary', () => {
    const error = serverError('validation_failed', { issues: [{ path: ['id'], message: 'Unknown' }] });
    expect(describeError(error, 'create', ['name'])).toEqual({ summary: 'Unknown.', fields: {} });
  });

  it('explains each 412 rule in words, per action', () => {
    const sent = serverError('bad_state', { reason: 'invalid_status', status: 'sent' });
    expect(describeError(sent, 'schedule').summary).toBe(
      "This campaign is already sent, so it can't be scheduled. Only drafts and scheduled campaigns can.",
    );
    const scheduled = serverError('bad_state', { reason: 'invalid_status', status: 'scheduled' });
    expect(describeError(scheduled, 'addStep').summary).toBe(
      'This campaign is scheduled. Unschedule it first to make changes.',
    );
    expect(describeError(serverError('bad_state', { reason: 'no_steps' }), 'schedule').summary).toBe(
      'Add at least one step before scheduling.',
    );
    expect(
      describeError(serverError('bad_state', { reason: 'step_limit_reached', limit: 100 }), 'addStep')
        .summary,
    ).toBe('A campaign can have at most 100 steps.');
    expect(
      describeError(serverError('bad_state', { reason: 'limit_reached', limit: 20 }), 'create').summary,
    ).toBe('A brand can have at most 20 webhooks.');
  });

  it('shows an out-of-range position at the position field, counting from 1', () => {
    const error = serverError('bad_state', { reason: 'position_out_of_range', max_position: 2 });
    expect(describeError(error, 'addStep', ['position'])).toEqual({
      summary: '',
      fields: { position: 'Choose a position from 1 to 3.' },
    });
    // A move has no position field: the message goes next to the action instead.
    expect(describeError(error, 'moveStep')).toEqual({
      summary: 'Choose a position from 1 to 3.',
      fields: {},
    });
  });

  it('has a plain sentence for every other failure', () => {
    expect(describeError(serverError('not_found'), 'load').summary).toMatch(/does not exist/);
    expect(describeError(serverError('forbidden'), 'create').summary).toBe(
      'Your account can view campaigns but not change them.',
    );
    expect(describeError(serverError('internal', { request_id: 'req-1' }), 'cancel').summary).toBe(
      'Something went wrong on our side (reference req-1). Try again in a moment.',
    );
    expect(describeError(new TypeError('Failed to fetch'), 'cancel').summary).toMatch(
      /Cannot reach the server/,
    );
  });
});
