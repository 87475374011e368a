import { UpdateStepInputSchema } from '@campaigns/contract';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { describeError } from '../../../api/describe-error';
import { useTRPC } from '../../../api/trpc';
import type { Step } from '../../../api/types';
import { useFormErrors } from '../../../forms/useFormErrors';
import { validate } from '../../../forms/validate';
import { EditForm } from '../../../ui/EditForm';
import { useFocusFirstField } from '../../../ui/useFocusFirstField';
import { useVersionGuard, withChanges } from '../versions/useVersionGuard';
import { StepFields } from './StepFields';
import { parseStepFields, STEP_FIELDS, stepToFields } from './step-values';

interface EditStepFormProps {
  step: Step;
  onSaved: () => Promise<void>;
  onCancel: () => void;
}

/** Changes a step's template, wait and variables in place; moving is done with the step's move buttons. */
export function EditStepForm({ step, onSaved, onCancel }: EditStepFormProps) {
  const trpc = useTRPC();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(formRef);
  useFocusFirstField(formRef);
  const [values, setValues] = useState(() => stepToFields(step));
  const idPrefix = `edit-step-${step.id}`;

  const guard = useVersionGuard();
  const save = useMutation(
    trpc.campaigns.updateStep.mutationOptions({
      trpc: guard.trpc,
      onSuccess: () => onSaved(),
      onError: (error) =>
        guard.refused(error, (changed) =>
          errors.fail(withChanges(describeError(error, 'updateStep', STEP_FIELDS), changed)),
        ),
    }),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseStepFields(values);
    if (!parsed.ok) return errors.fail({ fields: parsed.fields });
    const { position: _unchanged, ...changes } = parsed.step;
    const checked = validate(UpdateStepInputSchema, { id: step.campaign_id, step_id: step.id, ...changes });
    if (!checked.ok) return errors.fail({ fields: checked.fields });
    errors.clear();
    save.mutate(checked.data);
  };

  return (
    <EditForm
      formRef={formRef}
      label={`Edit step ${step.position + 1}`}
      className="form"
      onSubmit={submit}
      onCancel={onCancel}
      pending={save.isPending}
      submitLabel="Save step"
      error={errors.summary}
    >
      <StepFields values={values} errors={errors.fields} onChange={setValues} idPrefix={idPrefix} />
    </EditForm>
  );
}
