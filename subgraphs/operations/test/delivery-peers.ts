import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * The peers deliveries talk to in tests, for real: an SMTP server in-process that takes mail (and
 * refuses recipients whose address starts with "refuse"), and an HTTP server on loopback standing for
 * Slack's webhooks and GitHub's REST API, answering as each test says and recording every request.
 */
export interface SmtpPeer {
  url: string;
  received: ParsedMail[];
  /** Every AUTH the server was given. */
  logins: { username: string | null | undefined; password: string | null | undefined }[];
  close(): Promise<void>;
}

export async function startSmtpPeer(credentials: { user: string; password: string }): Promise<SmtpPeer> {
  const received: ParsedMail[] = [];
  const logins: SmtpPeer['logins'] = [];
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push({ username: auth.username, password: auth.password });
      if (auth.username === credentials.user && auth.password === credentials.password) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      }
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('refuse')) {
        callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      } else callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    logins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface HttpAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HttpPeer {
  origin: string;
  requests: RecordedRequest[];
  /** How the peer answers; tests set it. */
  answer: (request: RecordedRequest) => HttpAnswer;
  close(): Promise<void>;
}

export async function startHttpPeer(): Promise<HttpPeer> {
  const peer: Omit<HttpPeer, 'origin' | 'close'> = {
    requests: [],
    answer: () => ({ status: 200, body: 'ok' }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {}
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      peer.requests.push(recorded);
      const answer = peer.answer(recorded);
      const payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
      res.writeHead(answer.status, {
        'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json',
        ...answer.headers,
      });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(peer, {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
