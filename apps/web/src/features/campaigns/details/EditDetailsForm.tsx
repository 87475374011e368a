import { UpdateCampaignInputSchema } from '@campaigns/contract';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { describeError } from '../../../api/describe-error';
import { useTRPC } from '../../../api/trpc';
import type { Campaign } from '../../../api/types';
import { useFormErrors } from '../../../forms/useFormErrors';
import { validate } from '../../../forms/validate';
import { ActionError } from '../../../ui/ActionError';
import { useAnnounce } from '../../../ui/Announcer';
import { useFocusFirstField } from '../../../ui/useFocusFirstField';
import { useCampaignCache } from '../detail/useCampaignCache';
import { sendWindowValues } from '../send-window/send-window-values';
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
  const [values, setValues] = useState<CampaignFieldValues>({
    name: campaign.name,
    description: campaign.description ?? '',
    segment_id: campaign.segment_id,
    send_window: sendWindowValues(campaign.send_window),
  });

  const update = useMutation(
    trpc.campaigns.update.mutationOptions({
      onSuccess: (updated) => {
        cache.setCampaign(updated);
        announce('Campaign details saved');
        onClose();
      },
      onError: (error) => errors.fail(describeError(error, 'update', CAMPAIGN_FIELDS)),
    }),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = validate(UpdateCampaignInputSchema, { id: campaign.id, ...toCampaignInput(values) });
    if (!checked.ok) return errors.fail({ fields: checked.fields });
    errors.clear();
    update.mutate(checked.data);
  };

  return (
    <form
      ref={formRef}
      onSubmit={submit}
      noValidate
      className="form card"
      aria-label="Edit campaign details"
      onKeyDown={(event) => {
        if (event.key === 'Escape') onClose();
      }}
    >
      <CampaignFields values={values} errors={errors.fields} onChange={setValues} idPrefix="edit-campaign" />
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={update.isPending}>
          {update.isPending ? 'Saving…' : 'Save details'}
        </button>
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
      </div>
      <ActionError message={errors.summary} />
    </form>
  );
}
