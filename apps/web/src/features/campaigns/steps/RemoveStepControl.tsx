import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { describeError } from '../../../api/describe-error';
import { useTRPC } from '../../../api/trpc';
import type { Step } from '../../../api/types';
import { onEscape } from '../../../ui/keys';
import { useVersionGuard, withChanges } from '../versions/useVersionGuard';
import { stepElementId } from './step-ids';

interface RemoveStepControlProps {
  step: Step;
  onRemoved: (remaining: Step[]) => void;
  onError: (message: string) => void;
  focusLater: (elementId: string) => void;
}

/** "Remove", then an inline "Yes, remove / Keep" so a stray click never deletes a step. */
export function RemoveStepControl({ step, onRemoved, onError, focusLater }: RemoveStepControlProps) {
  const trpc = useTRPC();
  const [confirming, setConfirming] = useState(false);
  const label = `step ${step.position + 1}`;
  const guard = useVersionGuard();
  const remove = useMutation(
    trpc.campaigns.removeStep.mutationOptions({
      trpc: guard.trpc,
      onSuccess: ({ items }) => onRemoved(items),
      onError: (failure) => {
        setConfirming(false);
        focusLater(stepElementId(step, 'remove'));
        guard.refused(failure, (changed) =>
          onError(withChanges(describeError(failure, 'removeStep'), changed).summary),
        );
      },
    }),
  );

  if (!confirming) {
    return (
      <button
        type="button"
        id={stepElementId(step, 'remove')}
        className="button button--small button--danger"
        aria-label={`Remove ${label}`}
        onClick={() => {
          setConfirming(true);
          focusLater(stepElementId(step, 'confirm-remove'));
        }}
      >
        Remove
      </button>
    );
  }
  const keep = () => {
    setConfirming(false);
    focusLater(stepElementId(step, 'remove'));
  };
  return (
    // Escape on either answer means "Keep", as it closes any question in the app; focus returns to "Remove".
    <span className="confirm">
      <span>Remove {label}?</span>
      <button
        type="button"
        id={stepElementId(step, 'confirm-remove')}
        className="button button--small button--danger"
        aria-label={`Yes, remove ${label}`}
        disabled={remove.isPending}
        onKeyDown={onEscape(keep)}
        onClick={() => remove.mutate({ id: step.campaign_id, step_id: step.id })}
      >
        Yes, remove
      </button>
      <button
        type="button"
        className="button button--small"
        aria-label={`Keep ${label}`}
        onKeyDown={onEscape(keep)}
        onClick={keep}
      >
        Keep
      </button>
    </span>
  );
}
