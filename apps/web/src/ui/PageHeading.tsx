import { type ReactNode, useEffect, useRef } from 'react';

const APP_NAME = 'Messaging campaigns';

/**
 * The screen's h1. It takes focus when the screen opens, so keyboard and screen-reader users start at the
 * top of the new content instead of on a link that no longer exists.
 */
export function PageHeading({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  // The tab's title names the screen (WCAG 2.4.2), and follows the heading when it changes (a rename).
  useEffect(() => {
    const heading = ref.current?.textContent?.trim();
    document.title = heading ? `${heading} · ${APP_NAME}` : APP_NAME;
  });
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
