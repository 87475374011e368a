import { useCallback, useEffect, useState } from 'react';

/**
 * Focus an element that may not exist yet (a step at its new place, after the list re-renders):
 * `focusLater(id)` keeps trying after each render until the element with that id appears.
 */
export function usePendingFocus(): (elementId: string) => void {
  const [target, setTarget] = useState<string | null>(null);
  useEffect(() => {
    if (target === null) return;
    const element = document.getElementById(target);
    if (element) {
      element.focus();
      setTarget(null);
    }
  });
  return useCallback((elementId: string) => setTarget(elementId), []);
}
