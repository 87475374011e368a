import { ScheduleCampaignInputSchema } from '@campaigns/contract';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { describeError } from '../../../api/describe-error';
import { useTRPC } from '../../../api/trpc';
import type { Campaign } from '../../../api/types';
import {
  formatInstant,
  instantToLocalInput,
  localInputToInstant,
  timeZoneLabel,
} from '../../../forms/datetime';
import { useFormErrors } from '../../../forms/useFormErrors';
import { validate } from '../../../forms/validate';
import { ActionError } from '../../../ui/ActionError';
import { useAnnounce } from '../../../ui/Announcer';
import { Field } from '../../../ui/Field';
import { useCampaignCache } from '../detail/useCampaignCache';
import { useVersionGuard, withChanges } from '../versions/useVersionGuard';

const PICKER_PROBLEMS = {
  empty: 'Choose a date and time.',
  invalid: 'Enter a valid date and time.',
  nonexistent: 'That time does not exist in your time zone because the clocks change. Choose another time.',
} as const;

/** The offset can differ between today and the picked day (summer time): show the picked day's. */
const pickedDate = (value: string): Date => {
  const picked = localInputToInstant(value);
  return picked.ok ? new Date(picked.instant) : new Date();
};

/**
 * Picks the send time in the marketer's own time zone and sends it as an RFC 3339 instant with that zone's
 * offset. Whether it is in the future is the server's call (its clock decides), shown next to the picker.
 */
interface ScheduleFormProps {
  campaign: Campaign;
  onDone: () => void;
}

export function ScheduleForm({ campaign, onDone }: ScheduleFormProps) {
  const trpc = useTRPC();
  const guard = useVersionGuard();
  const announce = useAnnounce();
  const cache = useCampaignCache(campaign.id);
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(formRef);
  const [value, setValue] = useState(() =>
    campaign.scheduled_at ? instantToLocalInput(campaign.scheduled_at) : '',
  );
  const rescheduling = campaign.status === 'scheduled';

  const schedule = useMutation(
    trpc.campaigns.schedule.mutationOptions({
      trpc: guard.trpc,
      onSuccess: (updated) => {
        cache.setCampaign(updated);
        if (updated.scheduled_at) announce(`Campaign scheduled for ${formatInstant(updated.scheduled_at)}`);
        onDone();
      },
      onError: (error) =>
        guard.refused(error, (changed) =>
          errors.fail(withChanges(describeError(error, 'schedule', ['scheduled_at']), changed)),
        ),
    }),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const picked = localInputToInstant(value);
    if (!picked.ok) return errors.fail({ fields: { scheduled_at: PICKER_PROBLEMS[picked.reason] } });
    const checked = validate(ScheduleCampaignInputSchema, { id: campaign.id, scheduled_at: picked.instant });
    if (!checked.ok) return errors.fail({ fields: checked.fields });
    errors.clear();
    schedule.mutate(checked.data);
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate className="form">
      <Field
        name="scheduled_at"
        label={rescheduling ? 'New send time' : 'Send time'}
        idPrefix="schedule"
        hint={`In your time zone: ${timeZoneLabel(pickedDate(value))}.`}
        error={errors.fields.scheduled_at}
      >
        {(control) => (
          <input
            {...control}
            type="datetime-local"
            step={60}
            value={value}
            onChange={(event) => setValue(event.target.value)}
          />
        )}
      </Field>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={schedule.isPending}>
          {schedule.isPending ? 'Scheduling…' : rescheduling ? 'Reschedule' : 'Schedule'}
        </button>
      </div>
      <ActionError message={errors.summary} />
    </form>
  );
}
