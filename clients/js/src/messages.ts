// The messages of seed 003 (Switchboard's events dialect) as TypeScript types, so that
// `client.on('decision.vote.update', (data) => data.voteSummary.approve)` is checked.

/** Metadata of every message. `channel`, `offset` and `epoch` are set on publications. */
export interface Metadata {
  timestamp?: string;
  userId?: string;
  correlationId?: string;
  version?: string;
  channel?: string;
  offset?: number;
  epoch?: string;
  [key: string]: unknown;
}

/** The seed's standard message structure. */
export interface Message<D = any> {
  id: string;
  type: string;
  data: D;
  metadata: Metadata;
}

export interface ConnectionReadyData {
  sessionId: string;
  userId: string;
  permissions: string[];
  serverTime: string;
  roles?: string[];
  expiresAt?: string | null;
  clientId?: string;
}

export interface ErrorData {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  correlationId?: string;
  retryable?: boolean;
  retryAfter?: number;
}

export interface HeartbeatPongData {
  timestamp: string;
  latency: number;
  serverTime?: string;
}

export interface TokenRefreshedData {
  userId: string;
  permissions: string[];
  expiresAt: string | null;
}

export interface Participant {
  userId: string;
  name?: string;
  role?: string;
  joinedAt?: string;
  leftAt?: string;
}

export interface ParticipantJoinedData {
  meetingId: string;
  participant: Participant;
  totalParticipants: number;
}

export interface ParticipantLeftData {
  meetingId: string;
  participant: Participant;
  totalParticipants: number;
}

export interface ChatMessageData {
  meetingId: string;
  messageId: string;
  userId: string;
  userName: string;
  message: string;
  replyTo: string | null;
  timestamp: string;
}

export interface AgendaUpdateData {
  meetingId: string;
  currentItem: number;
  totalItems: number;
  itemDetails: { id: string; title: string; status: string; startedAt?: string; [key: string]: unknown };
}

export interface VoteReceivedData {
  decisionId: string;
  voteId: string;
  status: 'recorded' | string;
  changed?: boolean;
  timestamp: string;
}

export interface VoteSummary {
  approve: number;
  reject: number;
  abstain: number;
  total: number;
  required: number;
}

export interface VoteUpdateData {
  decisionId: string;
  voteSummary: VoteSummary;
  status: string;
  deadline: string;
}

export interface DecisionResultData {
  decisionId: string;
  result: 'approved' | 'rejected' | string;
  finalVotes: { approve: number; reject: number; abstain: number };
  completedAt: string;
}

export interface Activity {
  type: string;
  target?: string;
  [key: string]: unknown;
}

export interface PresenceChangedData {
  roomId?: string;
  userId: string;
  userName?: string;
  status: 'online' | 'away' | 'busy' | 'dnd' | 'offline' | string;
  activity?: Activity | null;
  lastSeen: string;
}

export interface PresenceListData {
  roomId: string;
  users: PresenceChangedData[];
}

export interface NotificationData {
  notificationId: string;
  priority?: string;
  title?: string;
  message?: string;
  category?: string;
  actions?: Array<{ id: string; label: string; url?: string }>;
  expiresAt?: string;
  [key: string]: unknown;
}

export interface Position {
  line: number;
  column: number;
}

export interface CursorUpdateData {
  documentId: string;
  userId: string;
  userName: string;
  color: string;
  position: Position;
  selection?: { start: Position; end: Position } | null;
}

export interface TypingUpdateData {
  roomId: string;
  userId: string;
  userName: string;
  isTyping: boolean;
}

/** Where a channel's stream stands, as the server numbers its publications. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

export interface SubscriptionUpdateData {
  subscribed: string[];
  unsubscribed?: string[];
  failed: Record<string, string>;
  /** With history: whether everything missed since the given offsets was replayed. */
  recovered?: boolean;
  streams?: Record<string, StreamPosition & { recovered?: boolean }>;
}

/** Events the client itself emits, beside the server's messages. */
export interface ClientStateData {
  state: ConnectionState;
}

export interface ReconnectingData {
  attempt: number;
  delayMs: number;
}

export interface StoppedData {
  code: string;
  message: string;
}

export interface LatencyData {
  latencyMs: number;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Every message type of seed 003 with the type of its `data`, and the client's own events. */
export interface EventMap {
  'connection.ready': ConnectionReadyData;
  'connection.error': ErrorData;
  'connection.heartbeat.pong': HeartbeatPongData;
  'connection.token.refreshed': TokenRefreshedData;
  'meeting.participant.joined': ParticipantJoinedData;
  'meeting.participant.left': ParticipantLeftData;
  'meeting.chat.message': ChatMessageData;
  'meeting.agenda.update': AgendaUpdateData;
  'decision.vote.received': VoteReceivedData;
  'decision.vote.update': VoteUpdateData;
  'decision.result': DecisionResultData;
  'presence.changed': PresenceChangedData;
  'presence.list': PresenceListData;
  'notification.send': NotificationData;
  'notification.acknowledged': { notificationId: string };
  'collaboration.cursor.update': CursorUpdateData;
  'collaboration.typing.update': TypingUpdateData;
  'subscription.update': SubscriptionUpdateData;
  error: ErrorData;
  /** The connection's state changed. */
  'client.state': ClientStateData;
  /** A reconnection attempt is scheduled. */
  'client.reconnecting': ReconnectingData;
  /** The client gave up and will not reconnect (bad token, attempts exhausted, close()). */
  'client.stopped': StoppedData;
  /** A heartbeat's round trip, measured by the client. */
  'client.latency': LatencyData;
  /** A resumed channel could not be replayed: what was missed must be fetched elsewhere. */
  'client.recovery.failed': { channel: string };
}

/** What a client sends, by type, with the type of its `data`. */
export interface RequestMap {
  'meeting.join': { meetingId: string; role?: 'participant' | 'observer' | 'presenter' | 'host' };
  'meeting.leave': { meetingId: string };
  'meeting.chat.message': { meetingId: string; message: string; replyTo?: string | null };
  'decision.vote.cast': { decisionId: string; vote: 'approve' | 'reject' | 'abstain' | string; comment?: string };
  'presence.update': { status: string; activity?: Activity | null };
  'presence.subscribe': { roomId: string };
  'presence.unsubscribe': { roomId: string };
  'notification.acknowledge': { notificationId: string };
  'collaboration.cursor': { documentId: string; position: Position; selection?: { start: Position; end: Position } };
  'collaboration.typing': { roomId: string; isTyping: boolean };
}
