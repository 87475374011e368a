import { STEP_LIMITS } from '@campaigns/contract';
import type { FieldErrors } from '../../../api/describe-error';
import { Field } from '../../../ui/Field';
import { IdentifierInput } from '../../../ui/IdentifierInput';
import { WholeNumberInput } from '../../../ui/WholeNumberInput';
import { type StepFieldValues, VARIABLES_EXAMPLE } from './step-values';

interface StepFieldsProps {
  values: StepFieldValues;
  errors: FieldErrors;
  onChange: (values: StepFieldValues) => void;
  idPrefix: string;
  /** Positions the step can take, shown from 1; omitted where the form does not move the step. */
  positions?: { last: number };
}

/** Where the step goes, which template it sends, after how long, with which variables. */
export function StepFields({ values, errors, onChange, idPrefix, positions }: StepFieldsProps) {
  const set = (key: keyof StepFieldValues) => (value: string) => onChange({ ...values, [key]: value });
  return (
    <>
      {positions ? (
        <Field
          name="position"
          label="Position"
          idPrefix={idPrefix}
          hint={
            positions.last === 1
              ? 'This will be step 1.'
              : `1 puts it first; ${positions.last} adds it at the end.`
          }
          error={errors.position}
        >
          {(control) => (
            <WholeNumberInput
              control={control}
              min={1}
              max={positions.last}
              value={values.position}
              onChange={set('position')}
            />
          )}
        </Field>
      ) : null}
      <Field name="template_id" label="Template ID" idPrefix={idPrefix} error={errors.template_id}>
        {(control) => (
          <IdentifierInput control={control} value={values.template_id} onChange={set('template_id')} />
        )}
      </Field>
      <Field
        name="template_version_id"
        label="Template version ID"
        idPrefix={idPrefix}
        error={errors.template_version_id}
      >
        {(control) => (
          <IdentifierInput
            control={control}
            value={values.template_version_id}
            onChange={set('template_version_id')}
          />
        )}
      </Field>
      <Field
        name="delay_minutes"
        label="Wait before sending (minutes)"
        idPrefix={idPrefix}
        hint="Counted from the previous step; for the first step, from the scheduled time."
        error={errors.delay_minutes}
      >
        {(control) => (
          <WholeNumberInput
            control={control}
            min={0}
            max={STEP_LIMITS.delayMinutesMax}
            value={values.delay_minutes}
            onChange={set('delay_minutes')}
          />
        )}
      </Field>
      <Field
        name="variables"
        label="Template variables (optional)"
        idPrefix={idPrefix}
        hint={`A JSON object, e.g. ${VARIABLES_EXAMPLE}. Leave empty for none.`}
        error={errors.variables}
      >
        {(control) => (
          <textarea
            {...control}
            rows={3}
            spellCheck={false}
            className="mono"
            value={values.variables}
            onChange={(event) => set('variables')(event.target.value)}
          />
        )}
      </Field>
    </>
  );
}
