import type { Campaign } from '../../../api/types';
import { formatInstant } from '../../../forms/datetime';
import { describeSendWindow } from '../send-window/send-window-values';
import { STATUS_LABELS } from '../status';

const quoted = (text: string | null) => (text === null || text === '' ? '(none)' : `“${text}”`);
const when = (instant: string | null) => (instant ? formatInstant(instant) : '(none)');

/**
 * What differs between the campaign a screen showed and the one the server has now, in words: shown
 * when a change was refused because the campaign had changed meanwhile (version_mismatch).
 */
export function describeChanges(shown: Campaign, current: Campaign): string {
  const changes: string[] = [];
  const compare = (label: string, before: string, after: string) => {
    if (before !== after) changes.push(`${label} ${before} → ${after}`);
  };
  compare('name', quoted(shown.name), quoted(current.name));
  compare('description', quoted(shown.description), quoted(current.description));
  compare('segment', quoted(shown.segment_id), quoted(current.segment_id));
  compare('send window', describeSendWindow(shown.send_window), describeSendWindow(current.send_window));
  compare('status', STATUS_LABELS[shown.status], STATUS_LABELS[current.status]);
  compare('send time', when(shown.scheduled_at), when(current.scheduled_at));
  if (changes.length === 0) return 'Its steps were changed meanwhile; they are shown as they are now.';
  return `Changed meanwhile: ${changes.join('; ')}.`;
}
