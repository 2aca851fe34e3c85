class LiveVoting {
  constructor(private ws: BoardroomWebSocket) {}
  
  async joinVotingSession(decisionId: string): Promise<void> {
    // Subscribe to decision updates
    await this.ws.subscribe(`decision:${decisionId}`)
    
    // Listen for vote updates
    this.ws.on('decision.vote.update', (data) => {
      if (data.decisionId === decisionId) {
        this.updateVoteDisplay(data.voteSummary)
      }
    })
    
    // Listen for final result
    this.ws.on('decision.result', (data) => {
      if (data.decisionId === decisionId) {
        this.displayFinalResult(data)
      }
    })
  }
  
  async castVote(decisionId: string, vote: string, comment?: string): Promise<void> {
    try {
      const response = await this.ws.sendAndWait('decision.vote.cast', {
        decisionId,
        vote,
        comment
      })
      
      if (response.data.status === 'recorded') {
        console.log('Vote recorded successfully')
      }
    } catch (error) {
      console.error('Failed to cast vote:', error)
    }
  }
}
