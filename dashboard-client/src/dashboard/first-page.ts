/**
 * Resolved once the decision stream has shown its first page (or after two seconds, whatever
 * happened): the charts' first read — every decision of the period with its divergence, the page's
 * heaviest query — waits for it, so the rows the page opens with are not queued behind it on the
 * gateway.
 */
let resolveFirstPage: () => void = () => {};
export const streamFirstPage = new Promise<void>((resolve) => {
  resolveFirstPage = resolve;
  setTimeout(resolve, 2000);
});

/** The stream's first page is on screen. */
export function streamFirstPageShown(): void {
  resolveFirstPage();
}
