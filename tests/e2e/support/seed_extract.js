// Pulls the client examples out of a seed document's fenced code blocks, so the tests run
// the seed's code exactly as written. `node support/seed_extract.js` refreshes seed/ from
// ../shared/seeds; the tests compare seed/ with the document whenever it is present.
'use strict';
const fs = require('fs');
const path = require('path');

const SEEDS = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'seeds');
const VENDORED = path.resolve(__dirname, '..', 'seed');

// Returns the body of the first fenced block with this language whose text includes marker.
function codeBlock(markdown, language, marker) {
  const fence = new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g');
  for (const m of markdown.matchAll(fence)) {
    if (m[1].includes(marker)) return m[1];
  }
  throw new Error(`no ${language} block containing ${marker}`);
}

// The seed 002 clients: { 'topics_client.js': ..., 'topics_typed_client.ts': ... }.
function extractTopicsClients(markdown) {
  return {
    'topics_client.js': codeBlock(markdown, 'javascript', 'class WebSocketClient'),
    'topics_typed_client.ts': codeBlock(markdown, 'typescript', 'class TypedWebSocketClient'),
  };
}

// The seed 000 client: { 'envelope_manager.ts': ... }.
function extractEnvelopeClient(markdown) {
  return { 'envelope_manager.ts': codeBlock(markdown, 'typescript', 'export class WebSocketManager') };
}

// The seed 001 client: { 'socketio_client.js': ... } (connectWebSocket, sendAction, usage).
function extractSocketIoClient(markdown) {
  return { 'socketio_client.js': codeBlock(markdown, 'javascript', 'const connectWebSocket') };
}

// The seed 003 client: { 'boardroom_connection.ts': ... } (the complete connection flow).
function extractEventsClient(markdown) {
  return { 'boardroom_connection.ts': codeBlock(markdown, 'typescript', 'class BoardroomConnection') };
}

// Seed 003's client-library examples, which clients/js and clients/python must run as
// written: the TypeScript usage, the LiveVoting class and the Python usage.
function extractEventsLibraryExamples(markdown) {
  return {
    'boardroom_client_library.ts': codeBlock(markdown, 'typescript', "from '@boardroom/websocket-client'"),
    'live_voting.ts': codeBlock(markdown, 'typescript', 'class LiveVoting'),
    'boardroom_client_library.py': codeBlock(markdown, 'python', 'from boardroom_ws import BoardroomWebSocket'),
  };
}

// Seed 004's Vue examples: the quick start and the support chat component (an SFC).
function extractRoomsVueExamples(markdown) {
  return {
    'use_websocket_quick_start.ts': codeBlock(markdown, 'typescript', '// In any Vue component'),
    'support_chat.vue': codeBlock(markdown, 'vue', 'support-chat'),
  };
}

function seedDocument(name) {
  const file = path.join(SEEDS, name);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
}

function vendored(name) {
  return fs.readFileSync(path.join(VENDORED, name), 'utf8');
}

if (require.main === module) {
  const topics = seedDocument('002_391bebe9faac90a4.txt');
  const envelope = seedDocument('000_5db581d8c7f50f01.txt');
  const socketio = seedDocument('001_58dfc27e3300493d.txt');
  const events = seedDocument('003_e2ee0edd797c1b50.txt');
  const rooms = seedDocument('004_da567b3e1ae13534.txt');
  if (!topics || !envelope || !socketio || !events || !rooms) throw new Error('seed documents not found at ' + SEEDS);
  fs.mkdirSync(VENDORED, { recursive: true });
  for (const [name, text] of Object.entries({
    ...extractTopicsClients(topics), ...extractEnvelopeClient(envelope), ...extractSocketIoClient(socketio),
    ...extractEventsClient(events), ...extractEventsLibraryExamples(events),
    ...extractRoomsVueExamples(rooms),
  })) {
    fs.writeFileSync(path.join(VENDORED, name), text);
    console.log('wrote seed/' + name);
  }
}

module.exports = {
  codeBlock, extractEventsLibraryExamples, extractRoomsVueExamples, extractTopicsClients, extractEnvelopeClient, extractSocketIoClient, extractEventsClient, seedDocument, vendored,
};
