import type { CampaignStatus } from '@campaigns/contract';
import { badState } from './errors';

/**
 * The campaign state machine, in one place. Every operation that depends on a campaign's status asks
 * `assertAllowed`, and the dispatcher's transitions are listed here too.
 *
 *   draft ──schedule──▶ scheduled ──(first step fired)──▶ sending ──(last step fired)──▶ sent
 *     ▲                    │  ▲
 *     └────unschedule──────┘  └─schedule (reschedule)
 *   draft | scheduled | sending ──cancel──▶ cancelled
 */
const ALLOWED_FROM = {
  schedule: ['draft', 'scheduled'],
  unschedule: ['scheduled'],
  cancel: ['draft', 'scheduled', 'sending'],
  update: ['draft'],
  editSteps: ['draft'],
  startSending: ['scheduled'],
  finishSending: ['sending'],
} as const satisfies Record<string, readonly CampaignStatus[]>;

export type CampaignAction = keyof typeof ALLOWED_FROM;

const DESCRIPTIONS: Record<CampaignAction, string> = {
  schedule: 'only draft or scheduled campaigns can be scheduled',
  unschedule: 'only scheduled campaigns can be unscheduled',
  cancel: 'only draft, scheduled or sending campaigns can be cancelled',
  update: 'only draft campaigns can be edited',
  editSteps: 'steps can only be changed while the campaign is a draft',
  startSending: 'only scheduled campaigns can start sending',
  finishSending: 'only sending campaigns can finish sending',
};

export const allowedFrom = (action: CampaignAction): readonly CampaignStatus[] => ALLOWED_FROM[action];

export const isAllowed = (action: CampaignAction, status: CampaignStatus): boolean =>
  (ALLOWED_FROM[action] as readonly CampaignStatus[]).includes(status);

/** Throws 412 `bad_state` with `{reason: "invalid_status", status}` when `action` is not allowed. */
export function assertAllowed(action: CampaignAction, status: CampaignStatus): void {
  if (!isAllowed(action, status)) {
    throw badState('invalid_status', `Campaign is ${status}; ${DESCRIPTIONS[action]}`, { status });
  }
}
