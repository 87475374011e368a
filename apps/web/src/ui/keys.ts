import type { KeyboardEvent } from 'react';

/** A keydown handler that runs `close` on Escape: every question and editor in the app closes on it. */
export const onEscape =
  (close: () => void) =>
  (event: KeyboardEvent): void => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
  };
