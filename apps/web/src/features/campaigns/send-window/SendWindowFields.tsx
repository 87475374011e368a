import { WEEKDAYS } from '@campaigns/contract';
import { type SendWindowValues, timeZones, WEEKDAY_LABELS } from './send-window-values';

interface SendWindowFieldsProps {
  values: SendWindowValues;
  error: string | undefined;
  onChange: (values: SendWindowValues) => void;
  idPrefix: string;
}

/** "Send only during set hours": zone, days and local opening hours of the campaign's send window. */
export function SendWindowFields({ values, error, onChange, idPrefix }: SendWindowFieldsProps) {
  const id = (name: string) => `${idPrefix}-send_window-${name}`;
  const errorId = `${idPrefix}-send_window-error`;
  const set = (change: Partial<SendWindowValues>) => onChange({ ...values, ...change });
  const zones = timeZones().includes(values.time_zone) ? timeZones() : [values.time_zone, ...timeZones()];
  return (
    <fieldset
      className={error ? 'field fieldset field--invalid' : 'field fieldset'}
      aria-describedby={error ? errorId : undefined}
    >
      <legend>Send window</legend>
      <label className="checkbox" htmlFor={id('enabled')}>
        <input
          id={id('enabled')}
          type="checkbox"
          checked={values.enabled}
          onChange={(event) => set({ enabled: event.target.checked })}
        />
        Send only during set hours
      </label>
      {values.enabled ? (
        <>
          <p className="field__hint">
            A step due outside these hours is sent when the window next opens, in the window’s time zone.
          </p>
          <label htmlFor={id('time_zone')}>Time zone</label>
          <select
            id={id('time_zone')}
            value={values.time_zone}
            onChange={(event) => set({ time_zone: event.target.value })}
          >
            {zones.map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </select>
          <fieldset className="days">
            <legend>Days</legend>
            {WEEKDAYS.map((day) => (
              <label key={day} className="checkbox" htmlFor={id(`day-${day}`)}>
                <input
                  id={id(`day-${day}`)}
                  type="checkbox"
                  checked={values.days.includes(day)}
                  onChange={(event) =>
                    set({
                      days: event.target.checked
                        ? [...values.days, day]
                        : values.days.filter((d) => d !== day),
                    })
                  }
                />
                {WEEKDAY_LABELS[day]}
              </label>
            ))}
          </fieldset>
          {/* Text, not type="time": the window may end at 24:00, which a time input cannot hold. */}
          <p className="field__hint" id={id('hours-hint')}>
            Local times as HH:MM; the window ends before “Until”, and 24:00 means midnight.
          </p>
          <div className="time-range">
            <TimeOfDay
              label="From"
              id={id('start')}
              hintId={id('hours-hint')}
              value={values.start}
              onChange={(start) => set({ start })}
            />
            <TimeOfDay
              label="Until"
              id={id('end')}
              hintId={id('hours-hint')}
              value={values.end}
              onChange={(end) => set({ end })}
            />
          </div>
        </>
      ) : null}
      {error ? (
        <p className="field__error" id={errorId}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

interface TimeOfDayProps {
  label: string;
  id: string;
  hintId: string;
  value: string;
  onChange: (value: string) => void;
}

/** One end of the window's hours as typed (HH:MM, 24:00 allowed); the form checks it on submit. */
function TimeOfDay({ label, id, hintId, value, onChange }: TimeOfDayProps) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        inputMode="numeric"
        autoComplete="off"
        aria-describedby={hintId}
        value={value}
        onChange={(event) => onChange(event.target.value.trim())}
      />
    </>
  );
}
