import { WebSocket } from 'ws';

interface AuthMessage {
  type: 'auth';
  token: string;
}

interface SubscribeMessage {
  type: 'subscribe';
  topic: string;
}

interface PublishMessage {
  type: 'message';
  topic: string;
  data: any;
  metadata?: Record<string, any>;
}

type ClientMessage = AuthMessage | SubscribeMessage | PublishMessage;

interface ServerMessage {
  type: string;
  timestamp?: string;
  [key: string]: any;
}

class TypedWebSocketClient {
  private ws: WebSocket | null = null;
  private authenticated = false;

  constructor(
    private url: string,
    private token: string
  ) {}

  async connect(): Promise<void> {
    this.ws = new WebSocket(this.url);

    await new Promise<void>((resolve, reject) => {
      this.ws!.on('open', () => resolve());
      this.ws!.on('error', reject);
    });

    await this.authenticate();
  }

  private async authenticate(): Promise<string> {
    return new Promise((resolve, reject) => {
      const handler = (data: Buffer) => {
        const message: ServerMessage = JSON.parse(data.toString());

        if (message.type === 'auth_success') {
          this.authenticated = true;
          this.ws!.off('message', handler);
          resolve(message.userId);
        } else if (message.type === 'auth_error') {
          this.ws!.off('message', handler);
          reject(new Error(message.message));
        }
      };

      this.ws!.on('message', handler);
      this.send({ type: 'auth', token: this.token });
    });
  }

  subscribe(topic: string, callback: (message: ServerMessage) => void): void {
    if (!this.authenticated) {
      throw new Error('Not authenticated');
    }

    this.ws!.on('message', (data: Buffer) => {
      const message: ServerMessage = JSON.parse(data.toString());
      if (message.type === 'message' && message.topic === topic) {
        callback(message);
      }
    });

    this.send({ type: 'subscribe', topic });
  }

  publish(topic: string, data: any, metadata?: Record<string, any>): void {
    if (!this.authenticated) {
      throw new Error('Not authenticated');
    }

    this.send({
      type: 'message',
      topic,
      data,
      metadata,
    });
  }

  private send(message: ClientMessage): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
    } else {
      throw new Error('WebSocket not connected');
    }
  }

  close(): void {
    if (this.ws) {
      this.ws.close(1000, 'Client closing');
    }
  }
}

// Usage
const client = new TypedWebSocketClient('ws://localhost:3000/ws', 'jwt-token');

await client.connect();
client.subscribe('messages.user.123', (message) => {
  console.log('Message:', message.data);
});
