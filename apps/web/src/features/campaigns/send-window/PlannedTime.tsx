import { formatInstant } from '../../../forms/datetime';

const viewerZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** A planned instant in the viewer's zone, the zone named; UTC on hover. */
export function PlannedTime({ at }: { at: Date }) {
  const iso = at.toISOString();
  return (
    <time dateTime={iso} title={`${iso.slice(0, 16).replace('T', ' ')} UTC`}>
      {formatInstant(iso, { zone: false })} ({viewerZone()})
    </time>
  );
}
