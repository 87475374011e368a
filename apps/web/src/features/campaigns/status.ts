import type { CampaignStatus } from '../../api/types';

export const STATUS_LABELS: Record<CampaignStatus, string> = {
  draft: 'Draft',
  scheduled: 'Scheduled',
  sending: 'Sending',
  sent: 'Sent',
  cancelled: 'Cancelled',
};

/**
 * Which actions to offer in each status (API.md, lifecycle). Only a hint for the UI: the server decides,
 * and a refusal (412) is shown next to the action if the campaign changed meanwhile.
 */
export const can = {
  editDetails: (status: CampaignStatus) => status === 'draft',
  editSteps: (status: CampaignStatus) => status === 'draft',
  schedule: (status: CampaignStatus) => status === 'draft' || status === 'scheduled',
  unschedule: (status: CampaignStatus) => status === 'scheduled',
  cancel: (status: CampaignStatus) => status === 'draft' || status === 'scheduled' || status === 'sending',
};

/** Statuses that change by themselves (the dispatcher fires steps), so the screen keeps polling. */
export const isLive = (status: CampaignStatus) => status === 'scheduled' || status === 'sending';
