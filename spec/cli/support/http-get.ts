import { request, type IncomingMessage } from 'node:http';

/** One GET on a fresh connection: status, content type and body. */
export function get(url: string, method = 'GET'): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      response.on('end', () => resolve({ status: response.statusCode!, type: response.headers['content-type'], body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** A Server-Sent Events stream: each `data:` payload parsed as JSON, and whether the server ended it. */
export class EventStream {
  readonly events: unknown[] = [];
  ended = false;
  status: number | undefined;
  #response: IncomingMessage | undefined;
  readonly #request;

  constructor(url: string) {
    this.#request = request(url, { agent: false }, (response) => {
      this.#response = response;
      this.status = response.statusCode;
      let buffer = '';
      response.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice('data: '.length)).join('\n');
          if (data !== '') this.events.push(JSON.parse(data));
        }
      });
      response.on('end', () => { this.ended = true; });
      response.on('close', () => { this.ended = true; });
    });
    this.#request.on('error', () => { this.ended = true; });
    this.#request.end();
  }

  close(): void {
    this.#response?.destroy();
    this.#request.destroy();
  }
}
