import { CreateWebhookInputSchema, SCOPES, WEBHOOK_EVENT_TYPES } from '@campaigns/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { describeError } from '../../api/describe-error';
import { useTRPC } from '../../api/trpc';
import { useHasScope } from '../../auth/permissions';
import { formatInstant } from '../../forms/datetime';
import { useFormErrors } from '../../forms/useFormErrors';
import { validate } from '../../forms/validate';
import { ActionError } from '../../ui/ActionError';
import { useAnnounce } from '../../ui/Announcer';
import { Field } from '../../ui/Field';
import { PageHeading } from '../../ui/PageHeading';

/** The brand's webhook endpoints: add one (its secret shown once), send a test, browse attempts. */
export function WebhooksScreen() {
  const trpc = useTRPC();
  const canRead = useHasScope(SCOPES.webhooksRead);
  const canWrite = useHasScope(SCOPES.webhooksWrite);
  const webhooks = useQuery({ ...trpc.webhooks.list.queryOptions(), enabled: canRead });
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);

  return (
    <>
      <PageHeading>Webhooks</PageHeading>
      <p>
        Each endpoint receives the events it subscribes to as signed HTTP POSTs (Standard Webhooks), retried
        until it answers with a 2xx.
      </p>
      {!canRead ? (
        <p className="note">
          Your sign-in does not include permission to see webhooks (messaging:webhooks:read).
        </p>
      ) : null}
      {secret ? (
        <div className="card secret" role="status">
          <p>
            <strong>Signing secret for {secret.url}</strong> — copy it now: it is not shown again.
          </p>
          <code className="secret__value">{secret.secret}</code>
        </div>
      ) : null}
      {canWrite ? <AddWebhookForm onCreated={setSecret} /> : null}
      {canRead && !canWrite ? (
        <p className="note">You can view webhooks but not change them (messaging:webhooks:write).</p>
      ) : null}
      {webhooks.isError ? <ActionError message={describeError(webhooks.error, 'load').summary} /> : null}
      {webhooks.data ? (
        webhooks.data.items.length === 0 ? (
          <p className="empty">No webhooks yet.</p>
        ) : (
          <ul className="webhook-list">
            {webhooks.data.items.map((webhook) => (
              <WebhookItem key={webhook.id} webhook={webhook} canWrite={canWrite} />
            ))}
          </ul>
        )
      ) : null}
    </>
  );
}

function AddWebhookForm({ onCreated }: { onCreated: (shown: { url: string; secret: string }) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const announce = useAnnounce();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(formRef);
  const [url, setUrl] = useState('');
  const [all, setAll] = useState(true);
  const [types, setTypes] = useState<string[]>([]);
  const create = useMutation(
    trpc.webhooks.create.mutationOptions({
      onSuccess: (created) => {
        onCreated({ url: created.url, secret: created.secret });
        setUrl('');
        announce('Webhook added; copy its signing secret now');
        void queryClient.invalidateQueries({ queryKey: trpc.webhooks.list.queryKey() });
      },
      onError: (error) => errors.fail(describeError(error, 'create', ['url', 'events'])),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = validate(CreateWebhookInputSchema, { url: url.trim(), events: all ? ['*'] : types });
    if (!checked.ok) return errors.fail({ fields: checked.fields });
    errors.clear();
    create.mutate(checked.data);
  };
  return (
    <form ref={formRef} onSubmit={submit} noValidate className="form card" aria-label="Add a webhook">
      <h2>Add a webhook</h2>
      <Field name="url" label="Endpoint URL" idPrefix="webhook" hint="https only." error={errors.fields.url}>
        {(control) => (
          <input
            {...control}
            type="url"
            autoComplete="off"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
        )}
      </Field>
      <fieldset className={errors.fields.events ? 'field fieldset field--invalid' : 'field fieldset'}>
        <legend>Events</legend>
        <label className="checkbox" htmlFor="webhook-all-events">
          <input
            id="webhook-all-events"
            type="checkbox"
            checked={all}
            onChange={(e) => setAll(e.target.checked)}
          />
          All events
        </label>
        {all ? null : (
          <div className="days">
            {WEBHOOK_EVENT_TYPES.map((type) => (
              <label key={type} className="checkbox" htmlFor={`webhook-event-${type}`}>
                <input
                  id={`webhook-event-${type}`}
                  type="checkbox"
                  checked={types.includes(type)}
                  onChange={(e) =>
                    setTypes(e.target.checked ? [...types, type] : types.filter((t) => t !== type))
                  }
                />
                {type}
              </label>
            ))}
          </div>
        )}
        {errors.fields.events ? <p className="field__error">{errors.fields.events}</p> : null}
      </fieldset>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add webhook'}
        </button>
      </div>
      <ActionError message={errors.summary} />
    </form>
  );
}

interface WebhookItemProps {
  webhook: { id: string; url: string; events: string[]; status: string; disabled_reason: string | null };
  canWrite: boolean;
}

function WebhookItem({ webhook, canWrite }: WebhookItemProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const announce = useAnnounce();
  const [showAttempts, setShowAttempts] = useState(false);
  const attemptsKey = trpc.webhooks.listAttempts.queryKey({ id: webhook.id });
  const attempts = useQuery({
    ...trpc.webhooks.listAttempts.queryOptions({ id: webhook.id }),
    enabled: showAttempts,
    // Deliveries happen in the background: re-read while the attempts are open.
    refetchInterval: showAttempts ? 2_000 : false,
  });
  const sendTest = useMutation(
    trpc.webhooks.sendTest.mutationOptions({
      onSuccess: () => {
        announce('Test event queued');
        setShowAttempts(true);
        void queryClient.invalidateQueries({ queryKey: attemptsKey });
      },
    }),
  );
  return (
    <li className="webhook card">
      <p className="webhook__url">
        <code>{webhook.url}</code>{' '}
        <span className="badge">{webhook.status === 'enabled' ? 'Enabled' : 'Disabled'}</span>
      </p>
      <p>Events: {webhook.events.join(', ')}</p>
      {webhook.disabled_reason ? <p className="note">{webhook.disabled_reason}</p> : null}
      <div className="form__actions">
        {canWrite ? (
          <button type="button" className="button" onClick={() => sendTest.mutate({ id: webhook.id })}>
            Send test event
          </button>
        ) : null}
        <button
          type="button"
          className="button"
          aria-expanded={showAttempts}
          onClick={() => setShowAttempts(!showAttempts)}
        >
          {showAttempts ? 'Hide attempts' : 'Show attempts'}
        </button>
      </div>
      {sendTest.isError ? <ActionError message={describeError(sendTest.error, 'create').summary} /> : null}
      {showAttempts && attempts.data ? (
        attempts.data.items.length === 0 ? (
          <p className="empty">No attempts yet.</p>
        ) : (
          <div className="table-scroll">
            <table className="deliveries">
              <caption className="visually-hidden">Delivery attempts to {webhook.url}</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Attempt</th>
                  <th scope="col">Result</th>
                  <th scope="col">When</th>
                  <th scope="col">Next retry</th>
                </tr>
              </thead>
              <tbody>
                {attempts.data.items.map((attempt) => (
                  <tr key={attempt.id}>
                    <th scope="row">{attempt.event_type}</th>
                    <td>{attempt.attempt}</td>
                    <td>
                      {attempt.status_code !== null ? `HTTP ${attempt.status_code}` : attempt.error} (
                      {attempt.duration_ms} ms)
                    </td>
                    <td>{formatInstant(attempt.attempted_at, { seconds: true })}</td>
                    <td>{attempt.next_retry_at ? formatInstant(attempt.next_retry_at) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
    </li>
  );
}
