/**
 * Polls `probe` every `everyMs` until it returns something truthy, and returns that; throws naming
 * `what` once `timeoutMs` has passed. Tests wait for asynchronous outcomes with it instead of sleeping.
 */
export async function until<T>(probe: () => T | false | null | undefined | Promise<T | false | null | undefined>, what: string, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
