// What an instance's /stats says, however it was read (from here, or from inside a replica): only the
// fields the view knows, each of the type it expects; anything else is left out, never trusted.

export interface Stats {
  instance?: string;
  clients?: number;
  chats?: number;
}

export function statsOf(body: unknown): Stats {
  const { instance, clients, chats } = (typeof body === 'object' && body !== null ? body : {}) as Record<
    string,
    unknown
  >;
  const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return {
    instance: typeof instance === 'string' ? instance : undefined,
    clients: count(clients),
    chats: count(chats),
  };
}
