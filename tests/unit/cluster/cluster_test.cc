#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "cluster/covering_glob.h"
#include "cluster/presence_record.h"
#include "cluster/publication_codec.h"
#include "cluster/redis_broker.h"
#include "cluster/redis_endpoint.h"

namespace sb::cluster {

TEST(PublicationCodec, RoundTripsEveryFieldWithThePositionFromThePrefix) {
  hub::Publication p;
  p.id = "n1-7";
  p.channel = "messages.room.1";
  p.event_type = "chat";
  p.data = R"({"text":"a b\u0000c"})";
  p.metadata = R"({"k":1})";
  p.client_metadata = R"({"c":2})";
  p.sender_user_id = "alice";
  p.sender_name = "Alice";
  p.sender_connection_id = "conn-x-0-1";
  p.echo_to_sender = false;
  p.keep_in_history = true;
  p.time_ms = 1763800000123;
  std::string body = encode_publication(p);
  auto q = decode_message("42 0badcafe " + body);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->id, p.id);
  EXPECT_EQ(q->channel, p.channel);
  EXPECT_EQ(q->event_type, p.event_type);
  EXPECT_EQ(q->data, p.data);
  EXPECT_EQ(q->metadata, p.metadata);
  EXPECT_EQ(q->client_metadata, p.client_metadata);
  EXPECT_EQ(q->sender_user_id, p.sender_user_id);
  EXPECT_EQ(q->sender_name, p.sender_name);
  EXPECT_EQ(q->sender_connection_id, p.sender_connection_id);
  EXPECT_FALSE(q->echo_to_sender);
  EXPECT_TRUE(q->keep_in_history);
  EXPECT_EQ(q->time_ms, p.time_ms);
  EXPECT_EQ(q->offset, 42u);
  EXPECT_EQ(q->epoch, "0badcafe");
  auto plain = decode_message(std::string(kUnnumberedPrefix) + body);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->offset, 0u);
  EXPECT_TRUE(plain->epoch.empty());
}

// The sender's correlation id crosses the cluster to the node holding the sender's
// connection; a publication without one keeps the first format byte for byte.
TEST(PublicationCodec, CarriesTheSendersCorrelationIdOnlyWhenThereIsOne) {
  hub::Publication p;
  p.channel = "meeting:1";
  p.data = "{}";
  p.sender_connection_id = "c-1";
  std::string without = encode_publication(p);
  p.sender_correlation_id = "req-7";
  std::string with = encode_publication(p);
  EXPECT_EQ(with.substr(0, without.size()), without);
  auto q = decode_message(std::string(kUnnumberedPrefix) + with);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->sender_correlation_id, "req-7");
  auto r = decode_message(std::string(kUnnumberedPrefix) + without);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->sender_correlation_id.empty());
  EXPECT_FALSE(decode_message(std::string(kUnnumberedPrefix) + with + "x"));
}

TEST(PublicationCodec, RefusesWhatIsNotOurs) {
  hub::Publication p;
  p.channel = "c";
  p.data = "1";
  std::string body = encode_publication(p);
  EXPECT_FALSE(decode_message(""));
  EXPECT_FALSE(decode_message("hello world"));
  EXPECT_FALSE(decode_message("x 1 " + body));                       // offset not a number
  EXPECT_FALSE(decode_message("1 e " + body.substr(0, body.size() - 1)));  // truncated
  EXPECT_FALSE(decode_message("1 e " + body + "!"));                 // trailing bytes
  EXPECT_FALSE(decode_message("1 e {\"json\":true}"));               // another format
  EXPECT_FALSE(decode_message("1 " + std::string(65, 'e') + " " + body));  // epoch too long
}

TEST(RedisEndpoint, ParsesCredentialsDatabaseAndLists) {
  std::vector<RedisEndpoint> out;
  std::string error;
  ASSERT_TRUE(parse_redis_urls("redis://app:p%40ss@10.1.2.3:6380/4, redis://localhost", out, error)) << error;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].user, "app");
  EXPECT_EQ(out[0].password, "p@ss");
  EXPECT_EQ(out[0].host, "10.1.2.3");
  EXPECT_EQ(out[0].port, 6380);
  EXPECT_EQ(out[0].database, 4u);
  EXPECT_EQ(out[0].display(), "redis://app:***@10.1.2.3:6380/4");
  EXPECT_EQ(out[1].host, "127.0.0.1");
  EXPECT_EQ(out[1].port, 6379);
  ASSERT_TRUE(parse_redis_urls("redis://:secret@h", out, error));
  EXPECT_EQ(out[0].user, "");
  EXPECT_EQ(out[0].password, "secret");
  for (const char* bad : {"", "http://h", "redis://h:port", "redis://h/db", "redis://", "redis://u:%zz@h", "redis://h o",
                          "redis://u@\x01h"}) {
    EXPECT_FALSE(parse_redis_urls(bad, out, error)) << bad;
  }
  EXPECT_FALSE(parse_redis_urls("redis://h:x", out, error));
  EXPECT_NE(error.find("redis://h:x"), std::string::npos);  // the error names the URL
}

TEST(CoveringGlob, SharesOneGlobPerLeadingLiteralSegments) {
  EXPECT_EQ(covering_glob("sb:", "messages.*"), "sb:messages.*");
  EXPECT_EQ(covering_glob("sb:", "a.**"), "sb:a.*");
  EXPECT_EQ(covering_glob("sb:", "team:*:doc"), "sb:team:*");
  EXPECT_EQ(covering_glob("sb:", "*.news"), "sb:*");
  EXPECT_EQ(covering_glob("sb:", "a.b.c.d.*"), "sb:a.b.c.*");
  EXPECT_EQ(covering_glob("sb:", "a.b.c.*"), "sb:a.b.c.*");
  EXPECT_EQ(covering_glob("p[1]:", "x?y.*"), "p\\[1\\]:x\\?y.*");
  // Many patterns over one channel share their globs.
  EXPECT_EQ(covering_glob("sb:", "messages.**.a"), covering_glob("sb:", "messages.*.**"));
}

// Issue 30: a node holding 1,000 patterns that all match one channel used to get 1,000
// copies of each publication from Redis and compare each with every pattern. The globs that
// can match a channel are at most kGlobLiteralSegments + 1, whatever the patterns.
TEST(CoveringGlob, AtMostAFewGlobsCoverAnyChannel) {
  std::string channel = "messages";
  for (int i = 0; i < 100; ++i) channel += ".a";
  std::set<std::string> globs;
  for (int i = 0; i < 1000; ++i) {
    std::string p = "messages";
    for (int k = 0; k < 1 + i % 50; ++k) p += (i >> (k % 10)) & 1 ? ".a" : ".*";
    p += ".**";
    ASSERT_TRUE(hub::pattern_matches(p, channel)) << p;
    globs.insert(covering_glob("sb:", p));
  }
  std::vector<std::string> candidates;
  for_each_covering_glob("sb:", channel, [&](std::string_view g) {
    candidates.emplace_back(g);
    return false;
  });
  EXPECT_LE(candidates.size(), kGlobLiteralSegments + 1);
  for (const auto& g : globs) EXPECT_NE(std::find(candidates.begin(), candidates.end(), g), candidates.end()) << g;
  EXPECT_EQ(candidates.front(), "sb:*");
  EXPECT_EQ(candidates[1], "sb:messages.*");
}

TEST(RedisBroker, ShardsAreStableAndSpread) {
  EXPECT_EQ(RedisBroker::shard_of("messages.a", 1), 0u);
  EXPECT_EQ(RedisBroker::shard_of("messages.a", 3), RedisBroker::shard_of("messages.a", 3));
  std::vector<int> counts(3);
  for (int i = 0; i < 300; ++i) ++counts[RedisBroker::shard_of("channel." + std::to_string(i), 3)];
  for (int c : counts) EXPECT_GT(c, 60);
}

}  // namespace sb::cluster

namespace sb::cluster {

TEST(PresenceRecord, RoundTripsAndMergesOneUserOfSeveralNodes) {
  hub::PresenceMember a{"alice\nodd", "Alice", "a.png", 2, 100, 300, "away", R"({"type":"typing"})", 250};
  hub::PresenceMember back;
  ASSERT_TRUE(decode_member(encode_member(a), back));
  EXPECT_EQ(back.user_id, a.user_id);
  EXPECT_EQ(back.activity, a.activity);
  EXPECT_EQ(back.connections, 2u);
  EXPECT_EQ(back.status_ms, 250u);
  EXPECT_FALSE(decode_member("", back));
  EXPECT_FALSE(decode_member(encode_member(a) + "x", back));
  hub::PresenceMember b{"alice\nodd", "Alice", "", 1, 50, 200, "busy", "", 400};
  merge_member(back, b);
  EXPECT_EQ(back.connections, 3u);
  EXPECT_EQ(back.joined_at_ms, 50u);   // the earliest join
  EXPECT_EQ(back.last_seen_ms, 300u);  // the latest sighting
  EXPECT_EQ(back.status, "busy");      // said last
  std::string_view user, node;
  std::string field = member_field("alice\nodd", "n1");  // the views below point into it
  ASSERT_TRUE(split_member_field(field, user, node));
  EXPECT_EQ(user, "alice\nodd");  // the last newline splits
  EXPECT_EQ(node, "n1");
  EXPECT_FALSE(split_member_field("no-node", user, node));
}

}  // namespace sb::cluster
