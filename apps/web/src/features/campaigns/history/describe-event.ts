import type { AuditAction, CampaignEvent } from '@campaigns/contract';
import { formatInstant } from '../../../forms/datetime';
import { describeSendWindow } from '../send-window/send-window-values';
import { STATUS_LABELS } from '../status';
import { formatDelay } from '../steps/step-values';

const ACTIONS: Record<AuditAction, string> = {
  'campaign.created': 'Created the campaign',
  'campaign.updated': 'Edited the details',
  'campaign.scheduled': 'Scheduled',
  'campaign.unscheduled': 'Unscheduled (back to draft)',
  'campaign.cancelled': 'Cancelled',
  'campaign.sending': 'Started sending',
  'campaign.sent': 'Finished sending',
  'step.added': 'Added a step',
  'step.updated': 'Changed a step',
  'step.removed': 'Removed a step',
  'delivery.fired': 'Sent a step',
};

export const actionLabel = (action: AuditAction): string => ACTIONS[action];

type Snapshot = Record<string, unknown> | null;

const text = (value: unknown): string => {
  if (value === null || value === undefined || value === '') return '(none)';
  return typeof value === 'string' ? `“${value}”` : JSON.stringify(value);
};

/** How each field of a Campaign or Step snapshot reads; fields not listed are not shown. */
const FIELDS: Array<[string, string, (value: unknown) => string]> = [
  ['name', 'name', text],
  ['description', 'description', text],
  ['segment_id', 'segment', text],
  ['send_window', 'send window', (value) => describeSendWindow((value ?? null) as never)],
  ['status', 'status', (value) => STATUS_LABELS[value as keyof typeof STATUS_LABELS] ?? text(value)],
  ['scheduled_at', 'send time', (value) => (typeof value === 'string' ? formatInstant(value) : '(none)')],
  ['position', 'position', (value) => (typeof value === 'number' ? String(value + 1) : text(value))],
  ['template_id', 'template', text],
  ['template_version_id', 'template version', text],
  [
    'delay_minutes',
    'wait',
    (value) => (typeof value === 'number' ? formatDelay(value) || 'none' : text(value)),
  ],
  ['variables', 'variables', (value) => Object.keys((value as object | null) ?? {}).join(', ') || '(none)'],
];

/** "name “A” → “B”; status Draft → Scheduled": the fields an event changed, before → after. */
export function describeEventChanges(event: Pick<CampaignEvent, 'before' | 'after'>): string[] {
  const before: Snapshot = event.before;
  const after: Snapshot = event.after;
  if (!before || !after) return [];
  const changes: string[] = [];
  for (const [key, label, show] of FIELDS) {
    const was = JSON.stringify(before[key] ?? null);
    const is = JSON.stringify(after[key] ?? null);
    if (key in before || key in after) {
      if (was !== is) changes.push(`${label} ${show(before[key] ?? null)} → ${show(after[key] ?? null)}`);
    }
  }
  return changes;
}

/** The step an event is about, in words: "step 2 (tpl_welcome)". */
export function stepOf(event: Pick<CampaignEvent, 'before' | 'after'>): string | null {
  const step = (event.after ?? event.before) as Snapshot;
  if (!step || typeof step.position !== 'number') return null;
  return `step ${step.position + 1}${typeof step.template_id === 'string' ? ` (${step.template_id})` : ''}`;
}
