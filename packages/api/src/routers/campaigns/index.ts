import { router } from '../../trpc';
import { addStep } from './add-step';
import { cancel } from './cancel';
import { create } from './create';
import { duplicate } from './duplicate';
import { get } from './get';
import { list } from './list';
import { listDeliveries } from './list-deliveries';
import { listEvents } from './list-events';
import { listSteps } from './list-steps';
import { onEvent } from './on-event';
import { removeStep } from './remove-step';
import { schedule } from './schedule';
import { unschedule } from './unschedule';
import { update } from './update';
import { updateStep } from './update-step';

export const campaignsRouter = router({
  create,
  get,
  list,
  update,
  schedule,
  unschedule,
  cancel,
  duplicate,
  addStep,
  listSteps,
  updateStep,
  removeStep,
  listDeliveries,
  listEvents,
  onEvent,
});
