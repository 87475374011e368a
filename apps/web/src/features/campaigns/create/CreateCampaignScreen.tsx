import { CreateCampaignInputSchema } from '@campaigns/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { describeError } from '../../../api/describe-error';
import { useTRPC } from '../../../api/trpc';
import { READ_ONLY_NOTE, useCanChange } from '../../../auth/permissions';
import { useFormErrors } from '../../../forms/useFormErrors';
import { validate } from '../../../forms/validate';
import { Link, navigate } from '../../../router/history';
import { paths } from '../../../router/routes';
import { ActionError } from '../../../ui/ActionError';
import { useAnnounce } from '../../../ui/Announcer';
import { PageHeading } from '../../../ui/PageHeading';
import {
  CAMPAIGN_FIELDS,
  CampaignFields,
  type CampaignFieldValues,
  emptyCampaignFields,
  toCampaignInput,
} from '../details/CampaignFields';

export function CreateCampaignScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const announce = useAnnounce();
  const canChange = useCanChange();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(formRef);
  const [values, setValues] = useState<CampaignFieldValues>(emptyCampaignFields);

  const create = useMutation(
    trpc.campaigns.create.mutationOptions({
      onSuccess: (campaign) => {
        queryClient.setQueryData(trpc.campaigns.get.queryKey({ id: campaign.id }), campaign);
        void queryClient.invalidateQueries({ queryKey: trpc.campaigns.list.pathKey() });
        announce(`Campaign “${campaign.name}” created`);
        navigate(paths.detail(campaign.id));
      },
      onError: (error) => errors.fail(describeError(error, 'create', CAMPAIGN_FIELDS)),
    }),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = validate(CreateCampaignInputSchema, toCampaignInput(values));
    if (!checked.ok) return errors.fail({ fields: checked.fields });
    errors.clear();
    create.mutate(checked.data);
  };

  if (!canChange) {
    return (
      <>
        <Link to={paths.list()} className="back-link">
          ← All campaigns
        </Link>
        <PageHeading>New campaign</PageHeading>
        <p className="note">{READ_ONLY_NOTE}</p>
      </>
    );
  }

  return (
    <>
      <Link to={paths.list()} className="back-link">
        ← All campaigns
      </Link>
      <PageHeading>New campaign</PageHeading>
      <form ref={formRef} onSubmit={submit} noValidate className="form card">
        <CampaignFields values={values} errors={errors.fields} onChange={setValues} idPrefix="create" />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create campaign'}
          </button>
          <Link to={paths.list()} className="button">
            Cancel
          </Link>
        </div>
        <ActionError message={errors.summary} />
      </form>
    </>
  );
}
