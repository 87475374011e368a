import { isAllowed } from '@campaigns/contract';
import type { CampaignStatus } from '../../api/types';

export const STATUS_LABELS: Record<CampaignStatus, string> = {
  draft: 'Draft',
  scheduled: 'Scheduled',
  sending: 'Sending',
  sent: 'Sent',
  cancelled: 'Cancelled',
};

/**
 * Which actions to offer in each status: the contract's state machine table, the one the server
 * enforces. Only a hint for the UI: the server decides, and a refusal (412) is shown next to the action
 * if the campaign changed meanwhile.
 */
export const can = {
  editDetails: (status: CampaignStatus) => isAllowed('update', status),
  editSteps: (status: CampaignStatus) => isAllowed('editSteps', status),
  schedule: (status: CampaignStatus) => isAllowed('schedule', status),
  unschedule: (status: CampaignStatus) => isAllowed('unschedule', status),
  cancel: (status: CampaignStatus) => isAllowed('cancel', status),
};

/** Statuses that change by themselves (the dispatcher fires steps); the live stream shows it happen. */
export const isLive = (status: CampaignStatus) => status === 'scheduled' || status === 'sending';
