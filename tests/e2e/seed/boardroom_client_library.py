from boardroom_ws import BoardroomWebSocket

client = BoardroomWebSocket(
    url="wss://api.boardroom.com/ws",
    token=auth_token,
    reconnect=True
)

@client.on("meeting.participant.joined")
def on_participant_joined(data):
    print(f"Participant joined: {data['participant']}")

client.subscribe("meeting:123")
client.send("meeting.chat.message", {
    "meetingId": "123",
    "message": "Hello!"
})

client.connect()
