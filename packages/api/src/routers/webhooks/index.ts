import { router } from '../../trpc';
import { create } from './create';
import { get } from './get';
import { list } from './list';
import { listAttempts } from './list-attempts';
import { remove } from './remove';
import { resend } from './resend';
import { rotateSecret } from './rotate-secret';
import { sendTest } from './send-test';
import { update } from './update';

export const webhooksRouter = router({
  create,
  list,
  get,
  update,
  remove,
  rotateSecret,
  sendTest,
  listAttempts,
  resend,
});
