import { type RefObject, useEffect } from 'react';

/** After a failed submit, moves focus to the first field marked invalid, so the message is heard and fixed. */
export function useFocusFirstError(
  form: RefObject<HTMLFormElement | null>,
  errors: object,
  attempt: number,
): void {
  // Keyed on the attempt alone: once per submit, not again while the user types.
  useEffect(() => {
    if (attempt === 0 || Object.keys(errors).length === 0) return;
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [attempt]);
}
