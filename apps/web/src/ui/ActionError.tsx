/** An action's failure, next to the button that caused it, read out as soon as it appears. */
export function ActionError({ message, id }: { message: string | null | undefined; id?: string }) {
  if (!message) return null;
  return (
    <p className="action-error" role="alert" id={id}>
      {message}
    </p>
  );
}
