import type { FormEvent, ReactNode, RefObject } from 'react';
import { ActionError } from './ActionError';
import { onEscape } from './keys';

interface EditFormProps {
  formRef: RefObject<HTMLFormElement | null>;
  /** The form's accessible name. */
  label: string;
  className: string;
  onSubmit: (event: FormEvent) => void;
  /** Cancel button and Escape. */
  onCancel: () => void;
  pending: boolean;
  submitLabel: string;
  /** The form-level error (useFormErrors' summary). */
  error: string | null | undefined;
  children: ReactNode;
}

/** An inline edit: its fields, Save and Cancel (Escape cancels too), and the form-level error. */
export function EditForm({
  formRef,
  label,
  className,
  onSubmit,
  onCancel,
  pending,
  submitLabel,
  error,
  children,
}: EditFormProps) {
  return (
    <form
      ref={formRef}
      onSubmit={onSubmit}
      noValidate
      className={className}
      aria-label={label}
      onKeyDown={onEscape(onCancel)}
    >
      {children}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={pending}>
          {pending ? 'Saving…' : submitLabel}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ActionError message={error} />
    </form>
  );
}
