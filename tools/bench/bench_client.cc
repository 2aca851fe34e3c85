#include "driver.h"

#include "client_frame.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <thread>

#include "auth/jwt.h"
#include "protocol/websocket/frame.h"

namespace sb::bench {

namespace {

// Where a publication's timestamp, sequence and writer are, as text.
struct Markers {
  std::string_view data, seq, writer;
};
// Every dialect carries the publisher's object {"t":...,"s":...,"w":...} as it is (under
// "data" or "payload"); Socket.IO as a JSON string, with escaped quotes.
constexpr Markers kPlainMarkers{"{\"t\":", ",\"s\":", ",\"w\":"};
constexpr Markers kEscapedMarkers{"{\\\"t\\\":", ",\\\"s\\\":", ",\\\"w\\\":"};

std::string upgrade_request(std::string_view target, std::string_view host, std::string_view extra_headers) {
  std::string out = "GET ";
  out.append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  out.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
  out.append("Sec-WebSocket-Version: 13\r\n").append(extra_headers).append("\r\n");
  return out;
}

}  // namespace

Driver::Driver(const BenchOptions& o) : o_(o) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  if (o.tls) {
    // A client that checks nothing: the benchmark measures the server's handshake, and
    // a fresh full handshake per connection (no session resumption) as in a reconnect
    // storm of new clients.
    tls_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(tls_, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_session_cache_mode(tls_, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_mode(tls_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(tls_, kAlpn, sizeof kAlpn);
  }
  addr_.sin_family = AF_INET;
  addr_.sin_port = htons(o.port);
  inet_pton(AF_INET, o.host.c_str(), &addr_.sin_addr);
  upgrade_ = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host +
             "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 13\r\n\r\n";
  std::string auth = "{\"type\":\"auth\",\"token\":\"" + o.token + "\"}";
  append_client_frame(auth_frame_, 1, auth);
  if (!o.secret.empty()) {
    auth::JwtSettings settings;
    settings.secret = o.secret;
    std::string error;
    codec_ = auth::JwtCodec::create(settings, error);
  }
}

std::string Driver::token_for(int n, bool publisher) {
  if (!codec_) return o_.token;
  std::string error;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::vector<std::string> roles;
  if (publisher) roles.push_back("admin");
  std::string claims = auth::make_claims(codec_->settings(), "bench-" + std::to_string(n),
                                         "bench-" + std::to_string(n), roles, {"document:read"}, now, 86400);
  if (o_.dialect == "socketio") claims.insert(claims.size() - 1, ",\"companyId\":\"bench\"");
  return codec_->sign(claims, error);
}

std::string Driver::auth_frame(int n, bool publisher) {
  if (!codec_) return auth_frame_;
  std::string frame;
  append_client_frame(frame, 1, "{\"type\":\"auth\",\"token\":\"" + token_for(n, publisher) + "\"}");
  return frame;
}

void Driver::socketio_handshake(Conn& c, std::string_view payload) {
  if (!payload.empty() && payload[0] == '0') {
    std::string frame;
    append_client_frame(frame, 1, "40{\"token\":\"" + token_for(c.user) + "\"}");
    send(c, frame);
    return;
  }
  if (payload.substr(0, 2) == "40") {
    c.state = Conn::State::kReady;
    ++ready_;
    return;
  }
  ++result_.errors;
  close_conn(c);
}

Driver::~Driver() {
  for (auto& c : conns_) {
    if (c->fd >= 0) ::close(c->fd);
    SSL_free(c->ssl);
  }
  ::close(epoll_);
  SSL_CTX_free(tls_);
}

Conn* Driver::open(bool publisher, int index, std::vector<std::string> channels, int user) {
  auto c = std::make_unique<Conn>();
  c->fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->publisher = publisher;
  c->index = index;
  c->channels = std::move(channels);
  c->started_ns = now_ns();
  c->last_seq.assign(static_cast<size_t>(o_.publishers), -1);
  sockaddr_in to = addr_;
  if (publisher && o_.publish_port != 0) to.sin_port = htons(o_.publish_port);
  if (!publisher && !o_.subscriber_ports.empty()) {
    to.sin_port = htons(o_.subscriber_ports[static_cast<size_t>(index) % o_.subscriber_ports.size()]);
  }
  int rc = ::connect(c->fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
  if (rc < 0 && errno != EINPROGRESS) {
    ::close(c->fd);
    ++result_.errors;
    return nullptr;
  }
  c->state = Conn::State::kUpgrading;
  c->user = user >= 0 ? user : next_user_++;
  if (tls_ != nullptr) {
    c->ssl = SSL_new(tls_);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_connect_state(c->ssl);
    c->tls_handshaking = true;  // the upgrade request waits in out until it is done
  }
  // Publishers speak topics, on the publish path when one is given.
  const std::string& path = publisher && !o_.publish_path.empty() ? o_.publish_path : o_.path;
  switch (dialect(*c)) {
    case Dialect::kSocketIo:  // Engine.IO over WebSocket, one artifact each (two channels)
      c->out = upgrade_request(path + "?EIO=4&transport=websocket&sessionId=s&artifactId=a" + std::to_string(index % 100),
                               o_.host, {});
      break;
    case Dialect::kEnvelope:  // the token in the URL
    case Dialect::kEvents:
      c->out = upgrade_request(path + "?token=" + token_for(c->user), o_.host, {});
      break;
    case Dialect::kRooms:  // the token as the session cookie
      c->out = upgrade_request(path, o_.host, "Cookie: pm-session=" + token_for(c->user) + "\r\n");
      break;
    case Dialect::kTopics:
      if (o_.url_token) {
        c->out = upgrade_request(path + "?token=" + token_for(c->user, publisher), o_.host, {});
      } else {
        c->out = path == o_.path ? upgrade_ : upgrade_request(path, o_.host, {});
      }
      break;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.ptr = c.get();
  epoll_ctl(epoll_, EPOLL_CTL_ADD, c->fd, &ev);
  conns_.push_back(std::move(c));
  return conns_.back().get();
}

void Driver::close_conn(Conn& c) {
  if (c.fd < 0) return;
  epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  c.fd = -1;
  c.state = Conn::State::kClosed;
  SSL_free(c.ssl);
  c.ssl = nullptr;
}

void Driver::watch(Conn& c, bool writable) {
  epoll_event ev{};
  ev.events = EPOLLIN | (writable ? static_cast<uint32_t>(EPOLLOUT) : 0u);
  ev.data.ptr = &c;
  epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
}

void Driver::continue_handshake(Conn& c) {
  ERR_clear_error();
  int rc = SSL_do_handshake(c.ssl);
  if (rc == 1) {
    c.tls_handshaking = false;
    flush(c);
    return;
  }
  int error = SSL_get_error(c.ssl, rc);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    watch(c, error == SSL_ERROR_WANT_WRITE);
    return;
  }
  ++result_.errors;
  close_conn(c);
}

ssize_t Driver::write_some(Conn& c, const char* data, size_t size) {
  if (c.ssl == nullptr) return ::send(c.fd, data, size, MSG_NOSIGNAL);
  ERR_clear_error();
  int n = SSL_write(c.ssl, data, static_cast<int>(std::min<size_t>(size, 1 << 30)));
  if (n > 0) return n;
  int error = SSL_get_error(c.ssl, n);
  errno = (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ) ? EAGAIN : EPIPE;
  return -1;
}

ssize_t Driver::read_some(Conn& c, char* data, size_t size) {
  if (c.ssl == nullptr) return ::recv(c.fd, data, size, 0);
  ERR_clear_error();
  int n = SSL_read(c.ssl, data, static_cast<int>(size));
  if (n > 0) return n;
  int error = SSL_get_error(c.ssl, n);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    errno = EAGAIN;
    return -1;
  }
  return 0;
}

void Driver::poll(int timeout_ms) {
  epoll_event events[512];
  int n = epoll_wait(epoll_, events, 512, timeout_ms);
  for (int i = 0; i < n; ++i) {
    Conn& c = *static_cast<Conn*>(events[i].data.ptr);
    if (c.fd < 0) continue;
    if (events[i].events & (EPOLLERR | EPOLLHUP)) {
      ++result_.errors;
      close_conn(c);
      continue;
    }
    if (c.tls_handshaking) {
      continue_handshake(c);
      continue;
    }
    if (events[i].events & EPOLLOUT) flush(c);
    if (events[i].events & EPOLLIN) {
      // TLS: a record already inside OpenSSL raises no epoll event; read it now.
      do {
        read(c);
      } while (c.fd >= 0 && c.ssl != nullptr && SSL_pending(c.ssl) > 0);
    }
  }
}

void Driver::flush(Conn& c) {
  if (c.tls_handshaking) {
    continue_handshake(c);
    return;
  }
  while (!c.out.empty()) {
    ssize_t n = write_some(c, c.out.data(), c.out.size());
    if (n > 0) {
      c.out.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINPROGRESS)) break;
    ++result_.errors;
    close_conn(c);
    return;
  }
  watch(c, !c.out.empty());
}

void Driver::send(Conn& c, std::string_view bytes) {
  bool was_empty = c.out.empty();
  c.out.append(bytes);
  if (was_empty) flush(c);
}

void Driver::read(Conn& c) {
  char buf[256 * 1024];
  ssize_t n = read_some(c, buf, sizeof buf);
  if (n <= 0) {
    if (n < 0 && errno == EAGAIN) return;
    if (c.state != Conn::State::kClosed) ++result_.errors;
    close_conn(c);
    return;
  }
  if (c.state != Conn::State::kUpgrading && c.in.empty()) {
    // Common case: whole frames in this read, parse straight from the buffer.
    size_t used = parse_frames(c, std::string_view(buf, static_cast<size_t>(n)));
    if (c.fd >= 0 && used < static_cast<size_t>(n)) c.in.assign(buf + used, static_cast<size_t>(n) - used);
    return;
  }
  c.in.append(buf, static_cast<size_t>(n));
  if (c.state == Conn::State::kUpgrading) {
    size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return;
    if (c.in.compare(0, 12, "HTTP/1.1 101") != 0) {
      ++result_.errors;
      close_conn(c);
      return;
    }
    c.in.erase(0, end + 4);
    if (o_.no_auth) {
      c.state = Conn::State::kReady;
      ++ready_;
      return;
    }
    c.state = Conn::State::kAuthing;
    if (dialect(c) == Dialect::kTopics && !o_.url_token) send(c, auth_frame(c.user, c.publisher));
  }
  std::string pending;
  pending.swap(c.in);
  size_t used = parse_frames(c, pending);
  if (c.fd >= 0 && used < pending.size()) c.in.assign(pending, used, std::string::npos);
}

size_t Driver::parse_frames(Conn& c, std::string_view bytes) {
  size_t offset = 0;
  while (bytes.size() - offset >= 2) {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data()) + offset;
    uint8_t opcode = p[0] & 0x0F;
    uint64_t len = p[1] & 0x7F;
    size_t header = 2;
    if (len == 126) {
      if (bytes.size() - offset < 4) break;
      len = (uint64_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (len == 127) {
      if (bytes.size() - offset < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      header = 10;
    }
    if (bytes.size() - offset < header + len) break;
    std::string_view payload(bytes.data() + offset + header, len);
    offset += header + len;
    on_frame(c, opcode, payload);
    if (c.fd < 0) return offset;
  }
  return offset;
}

void Driver::on_frame(Conn& c, uint8_t opcode, std::string_view payload) {
  if (opcode == 9) {
    std::string pong;
    append_client_frame(pong, 10, payload);
    send(c, pong);
    return;
  }
  if (opcode == 8) {
    close_conn(c);
    return;
  }
  if (c.state == Conn::State::kReady && dialect(c) == Dialect::kEnvelope && count_presence(payload)) return;
  if (c.state == Conn::State::kReady && socketio(c) && payload == "2") {
    std::string pong;
    append_client_frame(pong, 1, "3");
    send(c, pong);
    return;
  }
  if (c.state == Conn::State::kAuthing && socketio(c)) {
    socketio_handshake(c, payload);
    return;
  }
  if (c.state == Conn::State::kReady) {
    // Publications carry {"t":<ns>,"s":<seq>,"w":<writer>,...} in this order, so one
    // search finds all three numbers (the client must keep up with the server). Relayed
    // cursors carry {"t":<ns>} only.
    const Markers& m = socketio(c) ? kEscapedMarkers : kPlainMarkers;
    size_t at = payload.find(m.data);
    if (at == std::string_view::npos) return;
    const char* p = payload.data() + at + m.data.size();
    const char* end = payload.data() + payload.size();
    auto number = [&](uint64_t& v) {
      v = 0;
      while (p < end && *p >= '0' && *p <= '9') v = v * 10 + static_cast<uint64_t>(*p++ - '0');
    };
    uint64_t sent = 0, seq = 0, writer = 0;
    number(sent);
    ++result_.delivered;
    uint64_t now = now_ns();
    latency_.add(now > sent ? (now - sent) / 1000 : 0);
    if (static_cast<size_t>(end - p) > m.seq.size() && std::string_view(p, m.seq.size()) == m.seq) {
      p += m.seq.size();
      number(seq);
      if (static_cast<size_t>(end - p) > m.writer.size() && std::string_view(p, m.writer.size()) == m.writer) {
        p += m.writer.size();
        number(writer);
        if (writer < c.last_seq.size()) {
          if (static_cast<int64_t>(seq) <= c.last_seq[writer]) ++result_.out_of_order;
          c.last_seq[writer] = static_cast<int64_t>(seq);
        }
      }
    }
    return;
  }
  if (c.state == Conn::State::kAuthing) {
    if (payload.find(greeting(dialect(c))) == std::string_view::npos) {
      ++result_.errors;
      close_conn(c);
      return;
    }
    if (c.channels.empty()) {
      c.state = Conn::State::kReady;
      ++ready_;
      return;
    }
    c.state = Conn::State::kSubscribing;
    std::string frames;
    std::string list;  // the channels as a JSON array's items
    for (const auto& ch : c.channels) list += (list.empty() ? "\"" : ",\"") + ch + "\"";
    c.subscriptions_pending = 1;  // one answer for the whole list, or one per channel:
    switch (dialect(c)) {
      case Dialect::kEnvelope:
        append_client_frame(frames, 1, "{\"type\":\"SUBSCRIBE\",\"payload\":{\"channels\":[" + list + "]}}");
        break;
      case Dialect::kEvents:
        append_client_frame(frames, 1, "{\"type\":\"subscribe\",\"id\":\"s\",\"data\":{\"channels\":[" + list + "]}}");
        break;
      case Dialect::kRooms:
        c.subscriptions_pending = static_cast<int>(c.channels.size());
        for (const auto& ch : c.channels) {
          append_client_frame(frames, 1, "{\"type\":\"subscribe\",\"payload\":{\"room\":\"" + ch + "\"}}");
        }
        break;
      default:
        c.subscriptions_pending = static_cast<int>(c.channels.size());
        for (const auto& ch : c.channels) append_client_frame(frames, 1, "{\"type\":\"subscribe\",\"topic\":\"" + ch + "\"}");
        break;
    }
    send(c, frames);
    return;
  }
  if (c.state == Conn::State::kSubscribing && dialect(c) == Dialect::kEnvelope &&
      payload.find("USER_JOINED") != std::string_view::npos) {
    ++result_.presence_joins;
  }
  if (c.state == Conn::State::kSubscribing && payload.find(subscribe_answer(dialect(c))) != std::string_view::npos) {
    if (--c.subscriptions_pending == 0) {
      c.state = Conn::State::kReady;
      ++ready_;
    }
  }
}

bool Driver::count_presence(std::string_view payload) {
  if (payload.find("\"type\":\"USER_JOINED\"") != std::string_view::npos) {
    ++result_.presence_joins;
    return true;
  }
  if (payload.find("\"type\":\"USER_LEFT\"") != std::string_view::npos) {
    ++result_.presence_leaves;
    return true;
  }
  return false;
}

Driver::Dialect Driver::dialect(const Conn& c) const {
  if (c.publisher || o_.dialect == "topics") return Dialect::kTopics;
  if (o_.dialect == "envelope") return Dialect::kEnvelope;
  if (o_.dialect == "events") return Dialect::kEvents;
  if (o_.dialect == "rooms") return Dialect::kRooms;
  return Dialect::kSocketIo;
}

std::string_view Driver::greeting(Dialect d) {
  switch (d) {
    case Dialect::kEnvelope: return "CONNECTION_ESTABLISHED";
    case Dialect::kEvents: return "\"connection.ready\"";
    case Dialect::kRooms: return "\"type\":\"connected\"";
    default: return "auth_success";
  }
}

std::string_view Driver::subscribe_answer(Dialect d) {
  switch (d) {
    case Dialect::kEnvelope: return "SUBSCRIPTION_CONFIRMED";
    case Dialect::kEvents: return "\"subscription.update\"";
    default: return "\"subscribed\"";  // topics and rooms, once per channel
  }
}

bool Driver::connect_many(int count, bool publisher, const std::function<std::vector<std::string>(int)>& channels_of) {
  int target = ready_ + count;
  int opened = 0;
  uint64_t deadline = now_ns() + 120ULL * 1000000000ULL;
  while (ready_ < target && now_ns() < deadline) {
    while (opened < count && opened - (ready_ - (target - count)) < o_.concurrency) {
      open(publisher, opened, channels_of(opened));
      ++opened;
    }
    poll(5);
    if (result_.errors > 0 && ready_ + result_.errors >= target) break;
  }
  return ready_ >= target;
}

}  // namespace sb::bench
