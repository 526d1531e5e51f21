import type { ReactNode } from 'react';

/**
 * A table that may scroll sideways on a phone: the scrolling box is focusable (keyboard users can scroll it)
 * and named, as WCAG's scrollable-region rule asks.
 */
export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
