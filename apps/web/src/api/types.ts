import type { RouterInputs, RouterOutputs } from '@campaigns/client';

// Every API type is derived from the router; none is written by hand.
export type Campaign = RouterOutputs['campaigns']['get'];
export type CampaignStatus = Campaign['status'];
export type Step = RouterOutputs['campaigns']['listSteps']['items'][number];
export type CreateCampaignInput = RouterInputs['campaigns']['create'];
export type UpdateCampaignInput = RouterInputs['campaigns']['update'];
export type AddStepInput = RouterInputs['campaigns']['addStep'];
export type UpdateStepInput = RouterInputs['campaigns']['updateStep'];
export type Delivery = RouterOutputs['campaigns']['listDeliveries']['items'][number];
