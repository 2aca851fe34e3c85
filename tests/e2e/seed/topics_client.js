class WebSocketClient {
  constructor(url, token) {
    this.url = url;
    this.token = token;
    this.ws = null;
    this.authenticated = false;
    this.subscriptions = new Set();
  }

  connect() {
    return new Promise((resolve, reject) => {
      this.ws = new WebSocket(this.url);

      this.ws.onopen = () => {
        console.log('Connected');
        this.authenticate().then(resolve).catch(reject);
      };

      this.ws.onmessage = (event) => {
        const message = JSON.parse(event.data);
        this.handleMessage(message);
      };

      this.ws.onerror = (error) => {
        console.error('WebSocket error:', error);
        reject(error);
      };

      this.ws.onclose = () => {
        console.log('Disconnected');
        this.authenticated = false;
      };
    });
  }

  authenticate() {
    return new Promise((resolve, reject) => {
      const handler = (message) => {
        if (message.type === 'auth_success') {
          this.authenticated = true;
          console.log('Authenticated as:', message.userId);
          resolve(message.userId);
        } else if (message.type === 'auth_error') {
          reject(new Error(message.message));
        }
      };

      this.once('auth_success', handler);
      this.once('auth_error', handler);

      this.send({
        type: 'auth',
        token: this.token,
      });
    });
  }

  subscribe(topic, callback) {
    if (!this.authenticated) {
      throw new Error('Not authenticated');
    }

    this.subscriptions.add(topic);
    this.on('message', (message) => {
      if (message.topic === topic || this.matchesTopic(topic, message.topic)) {
        callback(message);
      }
    });

    this.send({
      type: 'subscribe',
      topic,
    });
  }

  publish(topic, data, metadata = {}) {
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

  send(message) {
    if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
    } else {
      throw new Error('WebSocket not connected');
    }
  }

  handleMessage(message) {
    // Emit event for listeners
    this.emit(message.type, message);
  }

  // Simple event emitter implementation
  on(event, handler) {
    if (!this.listeners) this.listeners = {};
    if (!this.listeners[event]) this.listeners[event] = [];
    this.listeners[event].push(handler);
  }

  once(event, handler) {
    const wrapper = (...args) => {
      handler(...args);
      this.off(event, wrapper);
    };
    this.on(event, wrapper);
  }

  off(event, handler) {
    if (this.listeners && this.listeners[event]) {
      this.listeners[event] = this.listeners[event].filter(h => h !== handler);
    }
  }

  emit(event, ...args) {
    if (this.listeners && this.listeners[event]) {
      this.listeners[event].forEach(handler => handler(...args));
    }
  }

  matchesTopic(pattern, topic) {
    // Simple wildcard matching
    const regex = pattern
      .replace(/\./g, '\\.')
      .replace(/\*\*/g, '.*')
      .replace(/\*/g, '[^.]+');
    return new RegExp(`^${regex}$`).test(topic);
  }

  close() {
    if (this.ws) {
      this.ws.close(1000, 'Client closing');
    }
  }
}

// Usage
const client = new WebSocketClient('ws://localhost:3000/ws', 'your-jwt-token');

client.connect()
  .then((userId) => {
    console.log('Connected and authenticated:', userId);

    // Subscribe to user's messages
    client.subscribe(`messages.user.${userId}`, (message) => {
      console.log('Received message:', message.data);
    });

    // Subscribe to all messages
    client.subscribe('messages.**', (message) => {
      console.log('Any message:', message.data);
    });

    // Publish a message
    client.publish('messages.channel.general', {
      content: 'Hello from WebSocket!',
    });
  })
  .catch((error) => {
    console.error('Connection failed:', error);
  });
