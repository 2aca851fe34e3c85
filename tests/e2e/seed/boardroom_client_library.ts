import { BoardroomWebSocket } from '@boardroom/websocket-client'

const client = new BoardroomWebSocket({
  url: 'wss://api.boardroom.com/ws',
  token: authToken,
  reconnect: true,
  debug: process.env.NODE_ENV === 'development'
})

client.on('meeting.participant.joined', (data) => {
  console.log('Participant joined:', data.participant)
})

client.subscribe('meeting:123')
client.send('meeting.chat.message', {
  meetingId: '123',
  message: 'Hello!'
})
