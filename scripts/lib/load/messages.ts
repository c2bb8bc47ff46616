// The text of every chat the load tool sends: `load <runId> #<seq> @<sent epoch ms>`. Readable in the
// browser page during step 6, and exact to match: the sequence number says which send a receipt
// belongs to, the marker says which run (so other people's chats and earlier runs are ignored).

export const chatText = (runId: string, seq: number, sentAtEpochMs: number) =>
  `load ${runId} #${seq} @${sentAtEpochMs.toFixed(3)}`;

/** What a receiver checks first, once per run: a startsWith is all a foreign chat costs. */
export const chatPrefix = (runId: string) => `load ${runId} #`;

/** The sequence number in a chat text of this run, or -1 when the text is not one of ours. */
export function sequenceOf(text: unknown, prefix: string): number {
  if (typeof text !== 'string' || !text.startsWith(prefix)) return -1;
  // Digits by hand: no substring, no parseInt, on the path every receipt takes.
  let seq = -1;
  for (let i = prefix.length; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    seq = (seq < 0 ? 0 : seq * 10) + digit;
  }
  return seq;
}
