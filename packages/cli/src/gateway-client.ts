/** An error the gateway answered: its `extensions.code` (or the HTTP status) and message. */
export class GatewayError extends Error {
  constructor(
    /** `extensions.code` of the first error, e.g. `FORBIDDEN`; the HTTP status when it had none. */
    readonly code: string,
    /** The HTTP status of the answer. */
    readonly status: number,
    /** What the gateway said, as it said it. */
    readonly reason: string,
    message = `${code}: ${reason}`,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

/** A minimal GraphQL client for the `ecp` command's reads through the gateway. */
export class GatewayClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
    /** Give up on a request after this long (none when unset). */
    private readonly timeoutMs?: number,
  ) {}

  async query<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    if (!this.apiKey) throw new Error('an API key is needed: pass --api-key or set ECP_API_KEY');
    const res = await fetch(new URL('/graphql', this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` },
      body: JSON.stringify({ query, variables }),
      ...(this.timeoutMs ? { signal: AbortSignal.timeout(this.timeoutMs) } : {}),
    });
    const body = (await res.json()) as {
      data?: T;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    if (body.errors?.length) {
      const [first] = body.errors;
      throw new GatewayError(
        first?.extensions?.code ?? String(res.status),
        res.status,
        String(first?.message),
      );
    }
    if (!body.data) {
      const reason = `the gateway answered HTTP ${res.status} without data`;
      throw new GatewayError(String(res.status), res.status, reason, reason);
    }
    return body.data;
  }

  /** The log's verifier keys as the platform serves them (for convenience; pin your own copy). */
  async publicKeys(): Promise<string[]> {
    const res = await fetch(new URL('/ledger/public-key', this.baseUrl));
    if (!res.ok) throw new Error(`GET /ledger/public-key answered ${res.status}`);
    return (await res.text())
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  }
}
