// Run the newest request only: calls within `wait` ms collapse into one, and a request still
// in flight is aborted when a newer one starts. Plain logic, no DOM (node --test checks it).

/**
 * @param {(value: any, signal: AbortSignal) => Promise<any>} task
 * @param {{wait?: number, onResult?: Function, onError?: Function}} options
 *   onResult/onError are called for the newest request only; aborts are never reported.
 * @returns {(value: any) => void}
 */
export function latestOnly(task, { wait = 150, onResult = () => {}, onError = () => {} } = {}) {
  let timer = null;
  let inFlight = null;
  return (value) => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (inFlight) inFlight.abort();
      const controller = new AbortController();
      inFlight = controller;
      try {
        const result = await task(value, controller.signal);
        if (inFlight === controller) onResult(result, value);
      } catch (error) {
        if (inFlight === controller && !controller.signal.aborted) onError(error, value);
      } finally {
        if (inFlight === controller) inFlight = null;
      }
    }, wait);
  };
}
