import { AddStepInputSchema } from '@campaigns/contract';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { describeError } from '../../../api/describe-error';
import { useTRPC } from '../../../api/trpc';
import type { Step } from '../../../api/types';
import { useFormErrors } from '../../../forms/useFormErrors';
import { validate } from '../../../forms/validate';
import { ActionError } from '../../../ui/ActionError';
import { useVersionGuard, withChanges } from '../versions/useVersionGuard';
import { StepFields } from './StepFields';
import { parseStepFields, STEP_FIELDS, type StepFieldValues } from './step-values';

const EMPTY: StepFieldValues = {
  position: '',
  template_id: '',
  template_version_id: '',
  delay_minutes: '0',
  variables: '',
};

interface AddStepFormProps {
  campaignId: string;
  stepCount: number;
  onAdded: (step: Step) => Promise<void>;
}

export function AddStepForm({ campaignId, stepCount, onAdded }: AddStepFormProps) {
  const trpc = useTRPC();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(formRef);
  const [values, setValues] = useState(EMPTY);
  // Until the marketer picks a position, a new step goes at the end, wherever the end is by now.
  const shown = { ...values, position: values.position === '' ? String(stepCount + 1) : values.position };

  const guard = useVersionGuard();
  const add = useMutation(
    trpc.campaigns.addStep.mutationOptions({
      trpc: guard.trpc,
      onSuccess: async (step) => {
        setValues(EMPTY);
        await onAdded(step);
      },
      onError: (error) =>
        guard.refused(error, (changed) =>
          errors.fail(withChanges(describeError(error, 'addStep', STEP_FIELDS), changed)),
        ),
    }),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseStepFields(shown);
    if (!parsed.ok) return errors.fail({ fields: parsed.fields });
    const checked = validate(AddStepInputSchema, { id: campaignId, ...parsed.step });
    if (!checked.ok) {
      const { position, ...fields } = checked.fields;
      // The schema counts from 0; the form counts from 1.
      return errors.fail({
        fields: position ? { ...fields, position: `Choose a position from 1 to ${stepCount + 1}.` } : fields,
      });
    }
    errors.clear();
    add.mutate(checked.data);
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate className="form card" aria-labelledby="add-step-heading">
      <h3 id="add-step-heading">Add a step</h3>
      <StepFields
        values={shown}
        errors={errors.fields}
        onChange={setValues}
        idPrefix="add-step"
        positions={{ last: stepCount + 1 }}
      />
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={add.isPending}>
          {add.isPending ? 'Adding…' : 'Add step'}
        </button>
      </div>
      <ActionError message={errors.summary} />
    </form>
  );
}
