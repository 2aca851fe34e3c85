// switchboard-bench: a load generator for the topics, envelope and socketio dialects. See BENCHMARKS.md.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "bench_client.h"

int main(int argc, char** argv) {
  sb::bench::BenchOptions o;
  CLI::App app{"Load generator for Switchboard's dialects (or a peer server)"};
  app.add_option("--host", o.host, "Server address");
  app.add_option("--port", o.port, "Server port");
  app.add_option("--path", o.path, "WebSocket path");
  app.add_option("--token", o.token, "JWT sent in the auth message by every connection");
  app.add_option("--secret", o.secret, "HS256 secret: give each connection its own user (bench-<n>) and token");
  app.add_option("--mode", o.mode, "fanout | idle | connect | cursors | storm")
      ->check(CLI::IsMember({"fanout", "idle", "connect", "cursors", "storm"}));
  app.add_option("--dialect", o.dialect, "topics | envelope | events | rooms | socketio: what subscribers speak (fanout, idle; cursors uses envelope); publishers speak topics");
  app.add_option("--publish-path", o.publish_path, "socketio: the topics endpoint publishers use");
  app.add_option("--publish-port", o.publish_port, "Port publishers connect to (another cluster node)");
  app.add_option("--subscriber-ports", o.subscriber_ports,
                 "Ports subscribers are spread over in turn (cluster nodes); default: --port")
      ->delimiter(',');
  app.add_option("--hz", o.hz, "cursors: moves per second per user");
  app.add_option("--subscribers,-n", o.subscribers, "Subscriber connections (fanout, idle)");
  app.add_option("--publishers,-p", o.publishers, "Publisher connections (fanout)");
  app.add_option("--rate,-r", o.rate, "Publications per second, all publishers together");
  app.add_option("--payload", o.payload, "Bytes of each publication's data object");
  app.add_option("--duration,-d", o.duration, "Seconds of publishing or connecting");
  app.add_option("--channel", o.channel, "Channel for fanout");
  app.add_option("--concurrency", o.concurrency, "Handshakes in flight");
  app.add_flag("--tls", o.tls, "wss: TLS before the upgrade (the certificate is not checked)");
  app.add_option("--report-every", o.report_every,
                 "fanout: print a line every this many seconds with that interval's deliveries and latency "
                 "(the closing line's latency then covers only the last interval)");
  app.add_flag("--no-auth", o.no_auth, "connect: count a connection at its 101 (the plain upgrade, no auth message)");
  app.add_flag("--url-token", o.url_token,
               "topics: send the token in the upgrade's URL (?token=) instead of an auth message; a connection is "
               "authenticated at the auth_success the server sends unasked");
  app.add_option("--server-pid", o.server_pid, "idle: process whose RSS growth is measured");
  app.add_option("--hold", o.hold, "idle: seconds to keep connections open after measuring");
  app.add_option("--spread", o.spread,
                 "storm: seconds over which clients come back after losing the server (-d: how long to wait "
                 "for it to go)");
  CLI11_PARSE(app, argc, argv);

  if (o.mode == "cursors") o.dialect = "envelope";
  sb::bench::RunResult r = sb::bench::run_benchmark(o);
  if (o.mode == "fanout") {
    uint64_t expected = r.published * static_cast<uint64_t>(o.subscribers);
    std::printf("mode=fanout subscribers=%d publishers=%d rate=%.0f payload=%d\n", o.subscribers, o.publishers, o.rate,
                o.payload);
    std::printf("connect_ms=%llu published=%llu delivered=%llu expected=%llu lost=%lld out_of_order=%llu errors=%d\n",
                static_cast<unsigned long long>(r.connect_ms), static_cast<unsigned long long>(r.published),
                static_cast<unsigned long long>(r.delivered), static_cast<unsigned long long>(expected),
                static_cast<long long>(expected) - static_cast<long long>(r.delivered),
                static_cast<unsigned long long>(r.out_of_order), r.errors);
    std::printf("deliveries_per_s=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n", r.deliveries_per_second,
                static_cast<double>(r.p50_us) / 1000, static_cast<double>(r.p99_us) / 1000,
                static_cast<double>(r.p999_us) / 1000, static_cast<double>(r.max_us) / 1000);
  } else if (o.mode == "cursors") {
    std::printf("mode=cursors users=%d hz=%.0f joins_seen=%llu join_ms=%llu leaves_seen=%llu leave_ms=%llu "
                "moves_sent=%llu cursor_deliveries=%llu deliveries_per_s=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f "
                "errors=%d\n",
                r.connections, o.hz, static_cast<unsigned long long>(r.presence_joins),
                static_cast<unsigned long long>(r.join_ms), static_cast<unsigned long long>(r.presence_leaves),
                static_cast<unsigned long long>(r.leave_ms), static_cast<unsigned long long>(r.published),
                static_cast<unsigned long long>(r.delivered), r.deliveries_per_second,
                static_cast<double>(r.p50_us) / 1000, static_cast<double>(r.p99_us) / 1000,
                static_cast<double>(r.p999_us) / 1000, r.errors);
  } else if (o.mode == "idle") {
    double per_conn = r.connections > 0
                          ? static_cast<double>(r.rss_after_kb - r.rss_before_kb) * 1024.0 / r.connections
                          : 0;
    std::printf("mode=idle connections=%d connect_ms=%llu rss_before_kb=%llu rss_after_kb=%llu bytes_per_connection=%.0f errors=%d\n",
                r.connections, static_cast<unsigned long long>(r.connect_ms),
                static_cast<unsigned long long>(r.rss_before_kb), static_cast<unsigned long long>(r.rss_after_kb),
                per_conn, r.errors);
  } else if (o.mode == "storm") {
    std::printf("mode=storm connections=%d recovery_ms=%llu first_back_ms=%llu outage_p50_ms=%.0f "
                "outage_p99_ms=%.0f outage_max_ms=%.0f reconnect_p50_ms=%.1f reconnect_p99_ms=%.1f retries=%llu "
                "not_back=%d\n",
                r.connections, static_cast<unsigned long long>(r.recovery_ms),
                static_cast<unsigned long long>(r.first_back_ms), static_cast<double>(r.p50_us) / 1000,
                static_cast<double>(r.p99_us) / 1000, static_cast<double>(r.max_us) / 1000,
                static_cast<double>(r.storm_handshake_p50_us) / 1000,
                static_cast<double>(r.storm_handshake_p99_us) / 1000, static_cast<unsigned long long>(r.retries),
                r.errors);
  } else {
    std::printf("mode=connect completed=%d handshakes_per_s=%.0f errors=%d\n", r.connections, r.connects_per_second,
                r.errors);
  }
  return r.errors > 0 && r.connections == 0 ? 1 : 0;
}
