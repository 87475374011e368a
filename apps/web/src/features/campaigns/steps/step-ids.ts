import type { Step } from '../../../api/types';

/** DOM ids of a step's row and buttons, so focus can return to them after the list re-renders. */
export const stepElementId = (
  step: Pick<Step, 'id'>,
  part?: 'up' | 'down' | 'edit' | 'remove' | 'confirm-remove',
) => (part ? `step-${step.id}-${part}` : `step-${step.id}`);
