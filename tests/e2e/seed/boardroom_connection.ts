class BoardroomConnection {
  private ws: WebSocket | null = null
  private reconnectAttempts = 0
  private maxReconnectAttempts = 5
  private reconnectDelay = 1000
  
  async connect(token: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws = new WebSocket(`wss://api.boardroom.com/ws?token=${token}`)
      
      this.ws.onopen = () => {
        console.log('Connected')
        this.reconnectAttempts = 0
        resolve()
      }
      
      this.ws.onmessage = (event) => {
        const message = JSON.parse(event.data)
        this.handleMessage(message)
      }
      
      this.ws.onerror = (error) => {
        console.error('WebSocket error:', error)
      }
      
      this.ws.onclose = (event) => {
        console.log('Disconnected:', event.code, event.reason)
        
        if (event.code !== 1000 && this.reconnectAttempts < this.maxReconnectAttempts) {
          this.scheduleReconnect(token)
        }
      }
    })
  }
  
  private scheduleReconnect(token: string): void {
    const delay = this.reconnectDelay * Math.pow(2, this.reconnectAttempts)
    this.reconnectAttempts++
    
    setTimeout(() => {
      console.log(`Reconnecting... (attempt ${this.reconnectAttempts})`)
      this.connect(token)
    }, delay)
  }
  
  private handleMessage(message: any): void {
    switch (message.type) {
      case 'connection.ready':
        this.onConnectionReady(message.data)
        break
      case 'meeting.participant.joined':
        this.onParticipantJoined(message.data)
        break
      case 'error':
        this.handleError(message.data)
        break
      default:
        console.log('Unknown message type:', message.type)
    }
  }
}
