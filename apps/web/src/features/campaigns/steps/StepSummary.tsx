import type { Step } from '../../../api/types';
import { formatDelay } from './step-values';

/** What a step sends and when, in words. */
export function StepSummary({ step }: { step: Step }) {
  const variableNames = Object.keys(step.variables);
  const waitFrom = step.position === 0 ? 'after the scheduled time' : 'after the previous step';
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
      {variableNames.length > 0 ? (
        <div>
          <dt>Variables</dt>
          <dd>{variableNames.join(', ')}</dd>
        </div>
      ) : null}
    </dl>
  );
}
