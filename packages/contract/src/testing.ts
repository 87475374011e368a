import type { CampaignStatus } from './campaign';

/**
 * For tests: the campaign state machine as API.md writes it, typed out from the document and kept
 * independent of the table the code uses (`lifecycle.ts` here), so that a test comparing the two can fail.
 * Both the rules suite (packages/api) and the wire suite (apps/server) check against this one copy.
 */
export type ContractOperation =
  | 'update'
  | 'schedule'
  | 'unschedule'
  | 'cancel'
  | 'addStep'
  | 'updateStep'
  | 'removeStep';

/** API.md: which statuses each operation is allowed from. */
export const API_MD_ALLOWED_FROM: Readonly<Record<ContractOperation, readonly CampaignStatus[]>> = {
  update: ['draft'],
  schedule: ['draft', 'scheduled'],
  unschedule: ['scheduled'],
  cancel: ['draft', 'scheduled', 'sending'],
  addStep: ['draft'],
  updateStep: ['draft'],
  removeStep: ['draft'],
};

export const CONTRACT_OPERATIONS = Object.keys(API_MD_ALLOWED_FROM) as ContractOperation[];
