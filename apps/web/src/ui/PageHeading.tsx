import { type ReactNode, useEffect, useRef } from 'react';

/**
 * The screen's h1. It takes focus when the screen opens, so keyboard and screen-reader users start at the
 * top of the new content instead of on a link that no longer exists.
 */
export function PageHeading({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
