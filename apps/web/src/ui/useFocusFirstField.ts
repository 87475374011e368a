import { type RefObject, useEffect } from 'react';

/** An edit form that opens in place takes focus on its first field, where the keyboard user wants to be. */
export function useFocusFirstField(form: RefObject<HTMLFormElement | null>): void {
  useEffect(() => {
    form.current?.querySelector<HTMLElement>('input, textarea, select')?.focus();
  }, [form]);
}
