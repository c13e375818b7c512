/** A minimal GraphQL client for the `ecp` command's reads through the gateway. */
export class GatewayClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
  ) {}

  async query<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    if (!this.apiKey) throw new Error('an API key is needed: pass --api-key or set ECP_API_KEY');
    const res = await fetch(new URL('/graphql', this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as {
      data?: T;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    if (body.errors?.length) {
      const [first] = body.errors;
      throw new Error(`${first?.extensions?.code ?? res.status}: ${first?.message}`);
    }
    if (!body.data) throw new Error(`the gateway answered HTTP ${res.status} without data`);
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
