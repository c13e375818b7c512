import { readFileSync } from 'node:fs';
import { rootCertificates, TLSSocket } from 'node:tls';
import { Agent, buildConnector, request } from 'undici';

/** What one request to an environment gave, before it is judged. */
export interface ProbeResult {
  /** Null when no response came. */
  statusCode: number | null;
  /** From the request's start to the end of its body (or to its failure). */
  latencyMs: number;
  /** The body as text, up to the size bound; null when larger (`bodyTooLarge`) or when none came. */
  body: string | null;
  bodyTooLarge: boolean;
  /** Why no response came: refused, timed out, TLS failure… */
  error: string | null;
  /** The https server certificate's expiry, when the connection got that far. */
  certificateExpiresAt: Date | null;
}

export interface ProbeOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  /** PEM of certificate authorities trusted beside the system's. */
  extraCaPem?: string | null;
}

/** The PEM of the file a setting names, read once per process. */
const caFiles = new Map<string, string>();
export function caPemOf(file: string | undefined): string | null {
  if (!file) return null;
  let pem = caFiles.get(file);
  if (pem === undefined) {
    pem = readFileSync(file, 'utf8');
    caFiles.set(file, pem);
  }
  return pem;
}

const originKey = (protocol: string, hostname: string, port: string) =>
  `${protocol}//${hostname.replace(/^\[|\]$/g, '')}:${port || (protocol === 'https:' ? '443' : '80')}`;

/**
 * Requests environments for one check run: one connection pool for the run (closed after it), TLS
 * certificates read from each new connection's socket, every request bounded in time and body size.
 * Never throws for an environment's failure: it becomes the result's `error`.
 */
export class HealthProber {
  private readonly agent: Agent;
  private readonly certificates = new Map<string, Date>();

  constructor(private readonly options: ProbeOptions) {
    const connect = buildConnector({
      timeout: options.timeoutMs,
      // A resumed TLS session may not carry the peer certificate: every connection does a full handshake.
      maxCachedSessions: 0,
      ...(options.extraCaPem ? { ca: [...rootCertificates, options.extraCaPem] } : {}),
    });
    this.agent = new Agent({
      connect: (opts, callback) =>
        connect(opts, (...args) => {
          const [err, socket] = args;
          if (!err && socket instanceof TLSSocket) {
            const validTo = socket.getPeerCertificate()?.valid_to;
            if (validTo) {
              this.certificates.set(originKey(opts.protocol, opts.hostname, opts.port), new Date(validTo));
            }
          }
          callback(...args);
        }),
      keepAliveTimeout: 1_000,
    });
  }

  async probe(target: { url: string; method: string }): Promise<ProbeResult> {
    const url = new URL(target.url);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const certificate = () => this.certificates.get(originKey(url.protocol, url.hostname, url.port)) ?? null;
    try {
      const res = await request(url, {
        method: target.method as 'GET',
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: { 'user-agent': 'ecp-health-check', accept: 'application/json, */*;q=0.5' },
      });
      const chunks: Buffer[] = [];
      let size = 0;
      let bodyTooLarge = false;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > this.options.maxBodyBytes) {
          bodyTooLarge = true;
          break; // leaving the loop destroys the stream
        }
        chunks.push(chunk as Buffer);
      }
      return {
        statusCode: res.statusCode,
        latencyMs: elapsed(),
        body: bodyTooLarge ? null : Buffer.concat(chunks).toString('utf8'),
        bodyTooLarge,
        error: null,
        certificateExpiresAt: certificate(),
      };
    } catch (err) {
      return {
        statusCode: null,
        latencyMs: elapsed(),
        body: null,
        bodyTooLarge: false,
        error: describeFailure(err, this.options.timeoutMs),
        certificateExpiresAt: certificate(),
      };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_CONNECT_TIMEOUT') {
    return `no response within ${timeoutMs} ms`;
  }
  const code = e.code ?? e.cause?.code;
  const message = e.cause?.message ?? e.message;
  return `request failed: ${code ? `${code} ` : ''}${message}`.slice(0, 500);
}
