// utils/websocket-manager.ts
import type { WebSocketMessage } from '~/types/api/common'

export class WebSocketManager {
  private ws: WebSocket | null = null
  private reconnectTimer: NodeJS.Timeout | null = null
  private heartbeatTimer: NodeJS.Timeout | null = null
  private subscriptions = new Map<string, Set<Function>>()
  private messageQueue: WebSocketMessage[] = []
  
  constructor(private config: WebSocketConfig) {
    this.connect()
  }
  
  private connect() {
    const url = new URL(this.config.url)
    url.searchParams.set('token', this.config.token)
    
    this.ws = new WebSocket(url.toString())
    
    this.ws.onopen = this.handleOpen.bind(this)
    this.ws.onmessage = this.handleMessage.bind(this)
    this.ws.onclose = this.handleClose.bind(this)
    this.ws.onerror = this.handleError.bind(this)
  }
  
  private handleOpen() {
    console.log('WebSocket connected')
    
    // Send queued messages
    while (this.messageQueue.length > 0) {
      const message = this.messageQueue.shift()
      if (message) this.send(message)
    }
    
    // Start heartbeat
    this.startHeartbeat()
    
    // Resubscribe to channels
    this.resubscribe()
  }
  
  private handleMessage(event: MessageEvent) {
    try {
      const message: WebSocketMessage = JSON.parse(event.data)
      
      // Handle system messages
      if (message.type === 'PONG') {
        return // Heartbeat response
      }
      
      // Notify subscribers
      this.notifySubscribers(message)
      
    } catch (error) {
      console.error('Failed to parse WebSocket message:', error)
    }
  }
  
  private handleClose() {
    console.log('WebSocket disconnected')
    this.stopHeartbeat()
    
    if (this.config.reconnect) {
      this.scheduleReconnect()
    }
  }
  
  private handleError(error: Event) {
    console.error('WebSocket error:', error)
  }
  
  private startHeartbeat() {
    this.heartbeatTimer = setInterval(() => {
      this.send({
        type: 'PING',
        timestamp: new Date().toISOString()
      })
    }, 30000) // Every 30 seconds
  }
  
  private stopHeartbeat() {
    if (this.heartbeatTimer) {
      clearInterval(this.heartbeatTimer)
      this.heartbeatTimer = null
    }
  }
  
  subscribe(channel: string, callback: Function) {
    if (!this.subscriptions.has(channel)) {
      this.subscriptions.set(channel, new Set())
      
      // Send subscription message
      this.send({
        type: 'SUBSCRIBE',
        payload: { channels: [channel] }
      })
    }
    
    this.subscriptions.get(channel)!.add(callback)
    
    // Return unsubscribe function
    return () => {
      const callbacks = this.subscriptions.get(channel)
      if (callbacks) {
        callbacks.delete(callback)
        if (callbacks.size === 0) {
          this.subscriptions.delete(channel)
          this.send({
            type: 'UNSUBSCRIBE',
            payload: { channels: [channel] }
          })
        }
      }
    }
  }
  
  send(message: any) {
    if (this.ws?.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message))
    } else {
      // Queue message if not connected
      this.messageQueue.push(message)
    }
  }
  
  private notifySubscribers(message: WebSocketMessage) {
    // Check for channel-specific messages
    const channel = this.getChannelFromMessage(message)
    if (channel && this.subscriptions.has(channel)) {
      this.subscriptions.get(channel)!.forEach(callback => {
        callback(message)
      })
    }
    
    // Also notify global subscribers
    if (this.subscriptions.has('*')) {
      this.subscriptions.get('*')!.forEach(callback => {
        callback(message)
      })
    }
  }
  
  private getChannelFromMessage(message: WebSocketMessage): string | null {
    // Extract channel from message type or payload
    if (message.type.startsWith('MATTER_')) {
      return `matter:${message.payload.matterId}`
    }
    if (message.type === 'NOTIFICATION') {
      return 'user:notifications'
    }
    return null
  }
  
  disconnect() {
    this.config.reconnect = false
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer)
    }
    if (this.ws) {
      this.ws.close()
    }
  }
}
