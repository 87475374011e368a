import { plannedTimes } from '@campaigns/contract';
import { useQuery } from '@tanstack/react-query';
import { describeError } from '../../../api/describe-error';
import { useTRPC } from '../../../api/trpc';
import type { Campaign } from '../../../api/types';
import { useCanChange } from '../../../auth/permissions';
import { ActionError } from '../../../ui/ActionError';
import { useAnnounce } from '../../../ui/Announcer';
import { usePendingFocus } from '../../../ui/usePendingFocus';
import { useCampaignCache } from '../detail/useCampaignCache';
import { can } from '../status';
import { AddStepForm } from './AddStepForm';
import { StepItem } from './StepItem';
import { stepElementId } from './step-ids';

/** The campaign's steps in sending order, and (in a draft) the tools to change them. */
export function StepsSection({ campaign }: { campaign: Campaign }) {
  const trpc = useTRPC();
  const announce = useAnnounce();
  const cache = useCampaignCache(campaign.id);
  const focusLater = usePendingFocus();
  const steps = useQuery(trpc.campaigns.listSteps.queryOptions({ id: campaign.id }));
  const canChange = useCanChange();
  const editable = canChange && can.editSteps(campaign.status);
  const items = steps.data?.items ?? [];
  // The same planner the dispatcher fires by (@campaigns/contract), so the timeline is what will happen.
  const planned = campaign.scheduled_at
    ? plannedTimes(
        new Date(campaign.scheduled_at),
        items.map((step) => step.delay_minutes),
        campaign.send_window,
      )
    : null;

  return (
    <section className="section" aria-labelledby="steps-heading">
      <h2 id="steps-heading" tabIndex={-1}>
        Steps
      </h2>
      {canChange && !editable ? (
        <p className="note">
          {campaign.status === 'scheduled'
            ? 'Steps can be changed only in a draft. Unschedule the campaign to change them.'
            : 'Steps can be changed only in a draft.'}
        </p>
      ) : null}
      {steps.isPending ? <p aria-busy="true">Loading steps…</p> : null}
      {steps.isError ? <ActionError message={describeError(steps.error, 'load').summary} /> : null}
      {steps.isSuccess && items.length === 0 ? (
        <p className="empty">
          {can.editSteps(campaign.status)
            ? 'No steps yet. A campaign needs at least one step before it can be scheduled.'
            : 'This campaign has no steps.'}
        </p>
      ) : null}
      {items.length > 0 ? (
        <ol className="step-list">
          {items.map((step) => (
            <StepItem
              key={step.id}
              step={step}
              plannedAt={planned?.[step.position] ?? null}
              stepCount={items.length}
              editable={editable}
              focusLater={focusLater}
              onChanged={async (announcement) => {
                await cache.refreshSteps();
                announce(announcement);
              }}
              onRemoved={(remaining) => {
                cache.setSteps(remaining);
                void cache.refreshSteps();
                announce(`Step ${step.position + 1} removed`);
                // Focus the step that took its place, else the one before, else the steps heading.
                const next = remaining[Math.min(step.position, remaining.length - 1)];
                focusLater(next ? stepElementId(next) : 'steps-heading');
              }}
            />
          ))}
        </ol>
      ) : null}
      {editable && steps.isSuccess ? (
        <AddStepForm
          campaignId={campaign.id}
          stepCount={items.length}
          onAdded={async (step) => {
            await cache.refreshSteps();
            announce(`Step added at position ${step.position + 1}`);
            focusLater(stepElementId(step));
          }}
        />
      ) : null}
    </section>
  );
}
