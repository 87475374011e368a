import { type CampaignAction, type CampaignStatus, isAllowed } from '@campaigns/contract';
import { badState } from './errors';

// The table of allowed source statuses is the contract's (shared with the web app); this adds the
// messages and the throwing check every operation and the dispatcher use.
export { allowedFrom, type CampaignAction, isAllowed } from '@campaigns/contract';

const DESCRIPTIONS: Record<CampaignAction, string> = {
  schedule: 'only draft or scheduled campaigns can be scheduled',
  unschedule: 'only scheduled campaigns can be unscheduled',
  cancel: 'only draft, scheduled or sending campaigns can be cancelled',
  update: 'only draft campaigns can be edited',
  editSteps: 'steps can only be changed while the campaign is a draft',
  startSending: 'only scheduled campaigns can start sending',
  finishSending: 'only sending campaigns can finish sending',
};

/** Throws 412 `bad_state` with `{reason: "invalid_status", status}` when `action` is not allowed. */
export function assertAllowed(action: CampaignAction, status: CampaignStatus): void {
  if (!isAllowed(action, status)) {
    throw badState('invalid_status', `Campaign is ${status}; ${DESCRIPTIONS[action]}`, { status });
  }
}
