/**
 * A bar with ARIA values (role=meter): the budget meter, points left, picks made. `over` paints it as an
 * error (and the caller blocks going further); `valueText` is what a screen reader announces.
 */
export function Meter({ label, value, max, valueText, over = false, id }: { label: string; value: number; max: number; valueText: string; over?: boolean; id?: string }) {
  const fraction = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  return (
    <div className={`meter${over ? ' meter-over' : ''}`} id={id}>
      <div className="meter-label">
        <span>{label}</span>
        <span>{valueText}</span>
      </div>
      <div
        className="meter-track"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={Math.min(value, max)}
        aria-valuetext={valueText}
      >
        <div className="meter-fill" style={{ width: `${fraction * 100}%` }} />
      </div>
    </div>
  );
}
