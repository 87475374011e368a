import type { CampaignStatus } from './campaign';

/**
 * The campaign state machine's allowed source statuses per action (API.md, Campaign), in one table
 * shared by the service (which enforces it, packages/core/src/domain/lifecycle.ts) and the web app
 * (which offers only the actions it allows).
 *
 *   draft ──schedule──▶ scheduled ──(first step fired)──▶ sending ──(last step fired)──▶ sent
 *     ▲                    │  ▲
 *     └────unschedule──────┘  └─schedule (reschedule)
 *   draft | scheduled | sending ──cancel──▶ cancelled
 */
export const ALLOWED_FROM = {
  schedule: ['draft', 'scheduled'],
  unschedule: ['scheduled'],
  cancel: ['draft', 'scheduled', 'sending'],
  update: ['draft'],
  editSteps: ['draft'],
  startSending: ['scheduled'],
  finishSending: ['sending'],
} as const satisfies Record<string, readonly CampaignStatus[]>;

export type CampaignAction = keyof typeof ALLOWED_FROM;

export const allowedFrom = (action: CampaignAction): readonly CampaignStatus[] => ALLOWED_FROM[action];

export const isAllowed = (action: CampaignAction, status: CampaignStatus): boolean =>
  (ALLOWED_FROM[action] as readonly CampaignStatus[]).includes(status);
