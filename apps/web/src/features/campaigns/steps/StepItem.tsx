import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { describeError } from '../../../api/describe-error';
import { useTRPC } from '../../../api/trpc';
import type { Step } from '../../../api/types';
import { ActionError } from '../../../ui/ActionError';
import { useVersionGuard, withChanges } from '../versions/useVersionGuard';
import { EditStepForm } from './EditStepForm';
import { RemoveStepControl } from './RemoveStepControl';
import { StepSummary } from './StepSummary';
import { stepElementId } from './step-ids';

interface StepItemProps {
  step: Step;
  /** The step's planned send time; null while the campaign has no scheduled time. */
  plannedAt: Date | null;
  stepCount: number;
  editable: boolean;
  /** Called after a change with what to announce; resolves when the list shows the new order. */
  onChanged: (announcement: string) => Promise<void>;
  onRemoved: (remaining: Step[]) => void;
  focusLater: (elementId: string) => void;
}

/** One step: what it sends and when, with move, edit and remove while the campaign is a draft. */
export function StepItem({
  step,
  plannedAt,
  stepCount,
  editable,
  onChanged,
  onRemoved,
  focusLater,
}: StepItemProps) {
  const trpc = useTRPC();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const label = `step ${step.position + 1}`;
  const isLast = step.position === stepCount - 1;

  const guard = useVersionGuard();
  const move = useMutation(
    trpc.campaigns.updateStep.mutationOptions({
      trpc: guard.trpc,
      onSuccess: async (moved) => {
        await onChanged(`Step moved to position ${moved.position + 1}`);
        // Keep focus on the step at its new place: on the same button while it can go further that way.
        const movedUp = moved.position < step.position;
        const canGoOn = movedUp ? moved.position > 0 : moved.position < stepCount - 1;
        focusLater(stepElementId(moved, canGoOn ? (movedUp ? 'up' : 'down') : undefined));
      },
      onError: (failure) =>
        guard.refused(failure, (changed) =>
          setError(withChanges(describeError(failure, 'moveStep'), changed).summary),
        ),
    }),
  );

  const moveBy = (offset: -1 | 1) => {
    // Not disabled while pending: a disabled button drops focus, and focus should stay on the step.
    if (move.isPending) return;
    setError(null);
    move.mutate({ id: step.campaign_id, step_id: step.id, position: step.position + offset });
  };

  const closeEditor = () => {
    setEditing(false);
    focusLater(stepElementId(step, 'edit'));
  };

  const titleId = `${stepElementId(step)}-title`;
  return (
    <li className="step" id={stepElementId(step)} tabIndex={-1} aria-labelledby={titleId}>
      <h3 className="step__title" id={titleId}>
        Step {step.position + 1}
      </h3>
      {editing ? (
        <EditStepForm
          step={step}
          onSaved={async () => {
            await onChanged(`Step ${step.position + 1} saved`);
            closeEditor();
          }}
          onCancel={closeEditor}
        />
      ) : (
        <StepSummary step={step} plannedAt={plannedAt} />
      )}
      {editable && !editing ? (
        <div className="step__actions">
          <button
            type="button"
            className="button button--small"
            id={stepElementId(step, 'up')}
            disabled={step.position === 0}
            aria-label={`Move ${label} up`}
            onClick={() => moveBy(-1)}
          >
            ↑ Up
          </button>
          <button
            type="button"
            className="button button--small"
            id={stepElementId(step, 'down')}
            disabled={isLast}
            aria-label={`Move ${label} down`}
            onClick={() => moveBy(1)}
          >
            ↓ Down
          </button>
          <button
            type="button"
            className="button button--small"
            id={stepElementId(step, 'edit')}
            aria-label={`Edit ${label}`}
            onClick={() => {
              setError(null);
              setEditing(true);
            }}
          >
            Edit
          </button>
          <RemoveStepControl step={step} onRemoved={onRemoved} onError={setError} focusLater={focusLater} />
        </div>
      ) : null}
      <ActionError message={error} />
    </li>
  );
}
