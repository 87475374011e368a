import { type RefObject, useCallback, useState } from 'react';
import type { ErrorReport, FieldErrors } from '../api/describe-error';
import { useFocusFirstError } from '../ui/useFocusFirstError';

interface FormErrorsState {
  fields: FieldErrors;
  summary: string;
  attempt: number;
}

/**
 * A form's errors, whether found by the contract's schema before sending or reported by the server after:
 * both end up next to the same fields. Each failure moves focus to the first invalid field.
 */
export function useFormErrors(form: RefObject<HTMLFormElement | null>) {
  const [state, setState] = useState<FormErrorsState>({ fields: {}, summary: '', attempt: 0 });
  useFocusFirstError(form, state.fields, state.attempt);
  const fail = useCallback((report: Partial<ErrorReport>) => {
    setState((previous) => ({
      fields: report.fields ?? {},
      summary: report.summary ?? '',
      attempt: previous.attempt + 1,
    }));
  }, []);
  const clear = useCallback(() => setState((previous) => ({ ...previous, fields: {}, summary: '' })), []);
  return { fields: state.fields, summary: state.summary, fail, clear };
}
