import { useEffect, useState } from 'react';

/**
 * Re-renders the caller every `ms` so that relative times (`3 min ago`, `closes in 5 min`) stay true
 * while the page is left open; returns the time of the last tick.
 */
export function useClock(ms = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
