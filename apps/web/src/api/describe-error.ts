import { STEP_LIMITS, WEBHOOK_LIMITS } from '@campaigns/contract';
import { type ApiProblem, readApiProblem } from './problem';
import type { CampaignStatus } from './types';

/** What the user was doing when the call failed: the same rule reads differently per action. */
export type Action =
  | 'load'
  | 'create'
  | 'update'
  | 'schedule'
  | 'unschedule'
  | 'cancel'
  | 'duplicate'
  | 'addStep'
  | 'updateStep'
  | 'moveStep'
  | 'removeStep';

/** Messages keyed by form field name (the API's input key, e.g. `scheduled_at`). */
export type FieldErrors = Partial<Record<string, string>>;

export interface ErrorReport {
  /** One sentence about the action as a whole, shown next to its button. Empty when the fields say it all. */
  summary: string;
  /** Messages for the form fields the server named. */
  fields: FieldErrors;
}

const STATUS_WORDS: Record<CampaignStatus, string> = {
  draft: 'a draft',
  scheduled: 'scheduled',
  sending: 'already sending',
  sent: 'already sent',
  cancelled: 'cancelled',
};

const isStatus = (value: unknown): value is CampaignStatus =>
  typeof value === 'string' && Object.hasOwn(STATUS_WORDS, value);

const statusWords = (status: unknown): string => (isStatus(status) ? STATUS_WORDS[status] : 'not a draft');

const STEP_ACTIONS = new Set<Action>(['update', 'addStep', 'updateStep', 'moveStep', 'removeStep']);

function invalidStatus(action: Action, status: unknown): string {
  const now = `This campaign is ${statusWords(status)}`;
  if (action === 'schedule')
    return `${now}, so it can't be scheduled. Only drafts and scheduled campaigns can.`;
  if (action === 'unschedule') return `${now}; only a scheduled campaign can be unscheduled.`;
  if (action === 'cancel') return `${now}, so it can no longer be cancelled.`;
  if (STEP_ACTIONS.has(action) && status === 'scheduled') {
    return `${now}. Unschedule it first to make changes.`;
  }
  return `${now}, and only drafts can be changed.`;
}

const num = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);

/** The server's validation messages, in words for people who do not read schemas. */
function friendlyIssue(field: string, message: string): string {
  if (field === 'scheduled_at' && /future/i.test(message)) return 'Choose a date and time in the future.';
  if (field === 'cursor') return 'The list could not continue from here. Reload the page.';
  return message.endsWith('.') ? message : `${message}.`;
}

interface Issue {
  path: readonly (string | number)[];
  message: string;
}

const isIssue = (value: unknown): value is Issue =>
  typeof value === 'object' &&
  value !== null &&
  Array.isArray((value as { path?: unknown }).path) &&
  typeof (value as { message?: unknown }).message === 'string';

function validation(details: ApiProblem['details'], formFields: readonly string[]): ErrorReport {
  const issues = Array.isArray(details.issues) ? details.issues.filter(isIssue) : [];
  const fields: FieldErrors = {};
  const elsewhere: string[] = [];
  for (const issue of issues) {
    const field = String(issue.path[0] ?? '');
    const text = friendlyIssue(field, issue.message);
    if (formFields.includes(field)) fields[field] ??= text;
    else elsewhere.push(text);
  }
  if (elsewhere.length > 0) return { summary: elsewhere.join(' '), fields };
  return { summary: issues.length > 0 ? '' : 'Some of the information is not valid.', fields };
}

function badState(action: Action, details: ApiProblem['details']): ErrorReport {
  switch (details.reason) {
    case 'invalid_status':
      return { summary: invalidStatus(action, details.status), fields: {} };
    case 'no_steps':
      return { summary: 'Add at least one step before scheduling.', fields: {} };
    case 'position_out_of_range': {
      const last = num(details.max_position, 0) + 1;
      return { summary: '', fields: { position: `Choose a position from 1 to ${last}.` } };
    }
    case 'limit_reached':
      return {
        summary: `A brand can have at most ${num(details.limit, WEBHOOK_LIMITS.perBrand)} webhooks.`,
        fields: {},
      };
    case 'step_limit_reached':
      return {
        summary: `A campaign can have at most ${num(details.limit, STEP_LIMITS.maxStepsPerCampaign)} steps.`,
        fields: {},
      };
    default:
      return { summary: 'This change is not possible in the campaign’s current state.', fields: {} };
  }
}

function simple(problem: ApiProblem, action: Action): string {
  switch (problem.code) {
    case 'not_found':
      return action === 'load'
        ? 'This campaign does not exist, or it belongs to another brand.'
        : 'This campaign or step no longer exists. Reload the page.';
    case 'unauthorized':
      return 'Your sign-in has expired. Please sign in again.';
    case 'forbidden':
      return action === 'load'
        ? 'Your account is not allowed to view campaigns.'
        : 'Your account can view campaigns but not change them.';
    case 'conflict':
      return 'This was already sent with different details. Reload the page and try again.';
    case 'payload_too_large':
      return 'That is too much content to save. Make the variables smaller.';
    case 'rate_limited':
      return 'Too many requests in a short time. Wait a moment and try again.';
    case 'network':
      return 'Cannot reach the server. Check your connection and try again.';
    case 'internal': {
      const reference =
        typeof problem.details.request_id === 'string' ? ` (reference ${problem.details.request_id})` : '';
      return `Something went wrong on our side${reference}. Try again in a moment.`;
    }
    default:
      return 'The request could not be processed. Reload the page and try again.';
  }
}

/**
 * Turns any failed call into words for a marketer: validation issues go to the fields they name
 * (`formFields` lists the fields the form shows), state rules (412 `details.reason`) to the action.
 */
export function describeError(
  error: unknown,
  action: Action,
  formFields: readonly string[] = [],
): ErrorReport {
  const problem = readApiProblem(error);
  if (problem.code === 'validation_failed') return validation(problem.details, formFields);
  if (problem.code === 'precondition_failed') {
    return {
      summary:
        'This campaign was changed by someone else after this page showed it, so your change was not saved. The page now shows the latest version; make your change again if it is still needed.',
      fields: {},
    };
  }
  if (problem.code === 'bad_state') {
    const report = badState(action, problem.details);
    // A field the form does not show cannot carry the message; the action does.
    const hidden = Object.entries(report.fields).filter(([field]) => !formFields.includes(field));
    if (hidden.length === 0) return report;
    return { summary: hidden.map(([, text]) => text).join(' '), fields: {} };
  }
  return { summary: simple(problem, action), fields: {} };
}
