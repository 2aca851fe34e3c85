#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hub/small_list.h"
#include "hub/subscriber.h"
#include "hub/topic.h"
#include "hub/trie_children.h"
#include "hub/visited_states.h"

namespace sb::hub {

// One trie level. Keys are the separator byte followed by the segment text ("*" and "**"
// included), so "a.b" and "a:b" are different channels. Most nodes are leaves with one
// subscriber (a user's personal channel, a document), so both the children's table and a
// second entry are allocated only when needed: such a leaf costs its node (80 bytes with
// the allocator's header) and a slot in its parent's table.
// A subscriber of a node, and where the node sits in that subscriber's own list.
struct TrieEntry {
  Subscriber* subscriber;
  uint32_t index_in_subscriber;
};

struct TrieNode {
  using Entry = TrieEntry;
  TrieNode* parent = nullptr;
  std::string key;
  TrieChildren children;
  SmallList<TrieEntry, 1> entries;
  TrieNode* child(std::string_view k) const { return children.find(k); }
  // The full pattern this node stands for, rebuilt from the keys up to the root.
  std::string pattern() const;
};

inline std::string_view TrieChildren::KeyOf::operator()(const TrieNode& node) const { return node.key; }

// Subscriptions of one loop, organised by pattern segments. A publication is matched by
// walking the trie along its channel's segments, so the cost depends on the channel's
// depth and the wildcards present, never on the number of patterns that cannot match. Add
// and remove are O(segments) with swap-removal on both sides.
//
// Cost bound of match(): a state is (trie node, number of segments consumed), and each is
// expanded at most once, with at most three child look-ups and one step of "**" absorbing
// a further segment. So a match makes at most node_count() x (segments + 1) expansions,
// whatever the patterns: a state is reached along one path only until a second "**" lies
// on it, and from there a per-match set of visited states drops the repeats. (Without
// that set, a pattern of k "**" against n segments is tried in about C(n, k) ways.)
class PatternTrie {
 public:
  PatternTrie();
  ~PatternTrie();

  // Adds subscriber under pattern (valid per is_valid_pattern). False if already there.
  bool add(Subscriber& subscriber, std::string_view pattern);
  // Removes one subscription. False if subscriber had no such pattern.
  bool remove(Subscriber& subscriber, std::string_view pattern);
  // Removes every subscription of subscriber.
  void remove_all(Subscriber& subscriber);
  // Calls visit(Subscriber&) once per subscriber with a pattern matching channel.
  template <typename Visit>
  void match(std::string_view channel, Visit&& visit);
  // Patterns the subscriber holds, in no particular order.
  std::vector<std::string> patterns_of(const Subscriber& subscriber) const;
  // Whether the subscriber holds this pattern (its own list is searched: a busy
  // channel's subscribers are not).
  bool holds(const Subscriber& subscriber, std::string_view pattern) const;
  size_t node_count() const { return node_count_; }
  // The sequence number the last match() marked its subscribers with.
  uint64_t delivery_seq() const { return delivery_seq_; }
  // States the last match() expanded (at most node_count() x (segments + 1)).
  uint64_t last_match_steps() const { return match_steps_; }
  // Called when a pattern gets its first subscriber (true) or loses its last (false).
  void on_interest(std::function<void(std::string_view pattern, bool first)> hook) { interest_ = std::move(hook); }

 private:
  TrieNode* find(std::string_view pattern) const;
  void detach(Subscriber& subscriber, uint32_t subscription_index);
  void prune(TrieNode* node);
  // node has matched segments [0, i); rests counts the "**" on its path (at most 2
  // matters), and absorbing says node itself is a "**" that may take segment i too.
  template <typename Visit>
  void walk(TrieNode* node, size_t i, uint32_t rests, bool absorbing, Visit& visit);
  template <typename Visit>
  void visit_entries(TrieNode* node, Visit& visit);

  std::unique_ptr<TrieNode> root_;
  std::vector<Segment> segments_;  // scratch for match(), reused to avoid allocation
  std::string key_;                // scratch key
  uint64_t delivery_seq_ = 0;
  uint64_t match_steps_ = 0;
  VisitedStates visited_;          // scratch for match(), below a second "**"
  std::function<void(std::string_view, bool)> interest_;
  size_t node_count_ = 1;
};

template <typename Visit>
void PatternTrie::match(std::string_view channel, Visit&& visit) {
  split_segments(channel, segments_);
  ++delivery_seq_;
  match_steps_ = 0;
  visited_.clear();
  walk(root_.get(), 0, 0, false, visit);
}

template <typename Visit>
void PatternTrie::visit_entries(TrieNode* node, Visit& visit) {
  for (const auto& entry : node->entries) {
    Subscriber& s = *entry.subscriber;
    if (s.last_delivery_seq_ == delivery_seq_) continue;
    s.last_delivery_seq_ = delivery_seq_;
    visit(s);
  }
}

template <typename Visit>
void PatternTrie::walk(TrieNode* node, size_t i, uint32_t rests, bool absorbing, Visit& visit) {
  // With fewer than two "**" on the path, the segments each one took are fixed by i, so
  // this state is reached once; beyond, it may be reached again and is expanded once.
  if (rests >= 2 && !visited_.insert(node, static_cast<uint32_t>(i))) return;
  ++match_steps_;
  if (node->children.empty()) {
    // A "**" leaf takes whatever is left; any other leaf matches at the end only.
    if (absorbing || i == segments_.size()) visit_entries(node, visit);
    return;
  }
  if (i == segments_.size()) {
    visit_entries(node, visit);
    return;
  }
  if (absorbing) walk(node, i + 1, rests, true, visit);
  const Segment& segment = segments_[i];
  auto lookup = [&](std::string_view text) -> TrieNode* {
    key_.assign(1, segment.separator);
    key_.append(text);
    return node->child(key_);
  };
  if (TrieNode* exact = lookup(segment.text)) walk(exact, i + 1, rests, false, visit);
  // Reserved channels ("$...") are reached by name only: a leading wildcard skips them.
  if (i == 0 && !segment.text.empty() && segment.text.front() == '$') return;
  if (TrieNode* one = lookup("*")) walk(one, i + 1, rests, false, visit);
  if (TrieNode* rest = lookup("**")) walk(rest, i + 1, rests + 1, true, visit);
}

}  // namespace sb::hub
