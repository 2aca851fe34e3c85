// In any Vue component
const { connected, subscribe, sendToRoom, on, connect } = useWebSocket()

// Connect (or use autoConnect option)
connect()

// Watch connection state
watch(connected, (isConnected) => {
  if (isConnected) {
    console.log('WebSocket connected!')
  }
})

// Subscribe to a room
subscribe('support')

// Listen for messages
const unsubscribe = on('message', (payload) => {
  console.log('Received:', payload)
})

// Send message to room
sendToRoom('support', { text: 'Hello!' })

// Clean up listener when done
onUnmounted(() => {
  unsubscribe()
})
