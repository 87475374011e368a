import type { FieldErrors } from '../../../api/describe-error';
import { Field } from '../../../ui/Field';
import { IdentifierInput } from '../../../ui/IdentifierInput';
import { SendWindowFields } from '../send-window/SendWindowFields';
import { type SendWindowValues, sendWindowValues, toSendWindow } from '../send-window/send-window-values';

export interface CampaignFieldValues {
  name: string;
  description: string;
  segment_id: string;
  send_window: SendWindowValues;
}

export const CAMPAIGN_FIELDS = ['name', 'description', 'segment_id', 'send_window'] as const;

export const emptyCampaignFields = (): CampaignFieldValues => ({
  name: '',
  description: '',
  segment_id: '',
  send_window: sendWindowValues(null),
});

/** The form's values as the API wants them: an empty description is no description. */
export const toCampaignInput = (values: CampaignFieldValues) => ({
  name: values.name,
  segment_id: values.segment_id,
  description: values.description.trim() === '' ? null : values.description,
  send_window: toSendWindow(values.send_window),
});

interface CampaignFieldsProps {
  values: CampaignFieldValues;
  errors: FieldErrors;
  onChange: (values: CampaignFieldValues) => void;
  idPrefix: string;
}

/** Name, description and audience segment: shared by "New campaign" and "Edit details". */
export function CampaignFields({ values, errors, onChange, idPrefix }: CampaignFieldsProps) {
  const set = (key: 'name' | 'description' | 'segment_id') => (value: string) =>
    onChange({ ...values, [key]: value });
  return (
    <>
      <Field name="name" label="Name" idPrefix={idPrefix} error={errors.name}>
        {(control) => (
          <input
            {...control}
            type="text"
            autoComplete="off"
            value={values.name}
            onChange={(event) => set('name')(event.target.value)}
          />
        )}
      </Field>
      <Field name="description" label="Description (optional)" idPrefix={idPrefix} error={errors.description}>
        {(control) => (
          <textarea
            {...control}
            rows={3}
            value={values.description}
            onChange={(event) => set('description')(event.target.value)}
          />
        )}
      </Field>
      <Field
        name="segment_id"
        label="Audience segment ID"
        idPrefix={idPrefix}
        hint="The segment of customers who receive this campaign, e.g. seg_vip."
        error={errors.segment_id}
      >
        {(control) => (
          <IdentifierInput control={control} value={values.segment_id} onChange={set('segment_id')} />
        )}
      </Field>
      <SendWindowFields
        values={values.send_window}
        error={errors.send_window}
        onChange={(send_window) => onChange({ ...values, send_window })}
        idPrefix={idPrefix}
      />
    </>
  );
}
