import type { Step } from '../../../api/types';
import { PlannedTime } from '../send-window/PlannedTime';
import { formatDelay } from './step-values';

/**
 * What a step sends and when, in words. `plannedAt`: its planned send time (the shared planner, send
 * window applied) once the campaign is scheduled.
 */
export function StepSummary({ step, plannedAt }: { step: Step; plannedAt: Date | null }) {
  const variableNames = Object.keys(step.variables);
  const waitFrom =
    step.position === 0 ? 'after the scheduled time' : 'after the previous step’s planned time';
  return (
    <dl className="step__details">
      <div>
        <dt>Template</dt>
        <dd>
          <code>{step.template_id}</code> version <code>{step.template_version_id}</code>
        </dd>
      </div>
      <div>
        <dt>Wait</dt>
        <dd>
          {step.delay_minutes === 0
            ? `Sends right ${waitFrom}`
            : `${formatDelay(step.delay_minutes)} ${waitFrom}`}
        </dd>
      </div>
      <div>
        <dt>Planned</dt>
        <dd>{plannedAt ? <PlannedTime at={plannedAt} /> : 'Once the campaign is scheduled'}</dd>
      </div>
      {variableNames.length > 0 ? (
        <div>
          <dt>Variables</dt>
          <dd>{variableNames.join(', ')}</dd>
        </div>
      ) : null}
    </dl>
  );
}
