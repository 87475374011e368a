import { UpdateCampaignInputSchema } from '@campaigns/contract';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { describeError } from '../../../api/describe-error';
import { useTRPC } from '../../../api/trpc';
import type { Campaign } from '../../../api/types';
import { useFormErrors } from '../../../forms/useFormErrors';
import { validate } from '../../../forms/validate';
import { useAnnounce } from '../../../ui/Announcer';
import { EditForm } from '../../../ui/EditForm';
import { useFocusFirstField } from '../../../ui/useFocusFirstField';
import { useCampaignCache } from '../detail/useCampaignCache';
import { sendWindowValues } from '../send-window/send-window-values';
import { useVersionGuard, withChanges } from '../versions/useVersionGuard';
import { CAMPAIGN_FIELDS, CampaignFields, type CampaignFieldValues, toCampaignInput } from './CampaignFields';

interface EditDetailsFormProps {
  campaign: Campaign;
  onClose: () => void;
}

/** Name, description and segment of a draft. */
export function EditDetailsForm({ campaign, onClose }: EditDetailsFormProps) {
  const trpc = useTRPC();
  const announce = useAnnounce();
  const cache = useCampaignCache(campaign.id);
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(formRef);
  useFocusFirstField(formRef);
  // `base`: the version the form started from. A newer version (a refused save re-reads it) replaces
  // every field the marketer has not touched, and becomes the new base.
  const [base, setBase] = useState(campaign);
  const [values, setValues] = useState<CampaignFieldValues>(() => fieldValuesOf(campaign));
  if (campaign.updated_at !== base.updated_at) {
    const before = fieldValuesOf(base);
    const after = fieldValuesOf(campaign);
    setValues((current) => mergeUntouched(current, before, after));
    setBase(campaign);
  }

  const guard = useVersionGuard();
  const update = useMutation(
    trpc.campaigns.update.mutationOptions({
      trpc: guard.trpc,
      onSuccess: (updated) => {
        cache.setCampaign(updated);
        announce('Campaign details saved');
        onClose();
      },
      onError: (error) =>
        guard.refused(error, (changed) =>
          errors.fail(withChanges(describeError(error, 'update', CAMPAIGN_FIELDS), changed)),
        ),
    }),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    // Only what the marketer changed: a field changed elsewhere meanwhile is never sent back.
    const changes = changedFields(toCampaignInput(values), toCampaignInput(fieldValuesOf(base)));
    const checked = validate(UpdateCampaignInputSchema, { id: campaign.id, ...changes });
    if (!checked.ok) return errors.fail({ fields: checked.fields });
    errors.clear();
    update.mutate(checked.data);
  };

  return (
    <EditForm
      formRef={formRef}
      label="Edit campaign details"
      className="form card"
      onSubmit={submit}
      onCancel={onClose}
      pending={update.isPending}
      submitLabel="Save details"
      error={errors.summary}
    >
      <CampaignFields values={values} errors={errors.fields} onChange={setValues} idPrefix="edit-campaign" />
    </EditForm>
  );
}

const fieldValuesOf = (campaign: Campaign): CampaignFieldValues => ({
  name: campaign.name,
  description: campaign.description ?? '',
  segment_id: campaign.segment_id,
  send_window: sendWindowValues(campaign.send_window),
});

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Each field as the marketer left it if touched, else as the newer version has it. */
function mergeUntouched(
  current: CampaignFieldValues,
  before: CampaignFieldValues,
  after: CampaignFieldValues,
): CampaignFieldValues {
  const merged = { ...current };
  for (const key of Object.keys(current) as (keyof CampaignFieldValues)[]) {
    if (same(current[key], before[key])) Object.assign(merged, { [key]: after[key] });
  }
  return merged;
}

/** The input's fields that differ from the base's. */
function changedFields<T extends Record<string, unknown>>(input: T, base: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(input).filter(([key, value]) => !same(value, base[key])),
  ) as Partial<T>;
}
