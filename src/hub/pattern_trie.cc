#include "hub/pattern_trie.h"

namespace sb::hub {

std::string TrieNode::pattern() const {
  std::vector<const TrieNode*> path;
  for (const TrieNode* n = this; n->parent != nullptr; n = n->parent) path.push_back(n);
  std::string out;
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    const std::string& k = (*it)->key;
    if (k[0] != '\0') out += k[0];
    out.append(k, 1, std::string::npos);
  }
  return out;
}

PatternTrie::PatternTrie() : root_(std::make_unique<TrieNode>()) {}
PatternTrie::~PatternTrie() = default;

TrieNode* PatternTrie::find(std::string_view pattern) const {
  std::vector<Segment> segments;
  split_segments(pattern, segments);
  TrieNode* node = root_.get();
  std::string key;
  for (const auto& s : segments) {
    key.assign(1, s.separator);
    key.append(s.text);
    node = node->child(key);
    if (node == nullptr) return nullptr;
  }
  return node;
}

bool PatternTrie::add(Subscriber& subscriber, std::string_view pattern) {
  std::vector<Segment> segments;
  split_segments(pattern, segments);
  TrieNode* node = root_.get();
  for (const auto& s : segments) {
    std::string key(1, s.separator);
    key.append(s.text);
    TrieNode* next = node->child(key);
    if (next == nullptr) {
      auto child = std::make_unique<TrieNode>();
      child->parent = node;
      child->key = std::move(key);
      next = node->children.insert(std::move(child));
      ++node_count_;
    }
    node = next;
  }
  for (const auto& sub : subscriber.subscriptions_) {
    if (sub.node == node) return false;
  }
  bool first = node->entries.empty();
  node->entries.push_back({&subscriber, static_cast<uint32_t>(subscriber.subscriptions_.size())});
  if (first && interest_) interest_(pattern, true);
  subscriber.subscriptions_.push_back({node, static_cast<uint32_t>(node->entries.size() - 1)});
  return true;
}

void PatternTrie::detach(Subscriber& subscriber, uint32_t subscription_index) {
  auto& subs = subscriber.subscriptions_;
  Subscriber::Subscription sub = subs[subscription_index];
  TrieNode* node = sub.node;
  // Swap-remove on the node side, fixing the back-reference of the entry that moved.
  auto& entries = node->entries;
  entries[sub.index_in_node] = entries.back();
  entries.pop_back();
  if (sub.index_in_node < entries.size()) {
    const auto& moved = entries[sub.index_in_node];
    moved.subscriber->subscriptions_[moved.index_in_subscriber].index_in_node = sub.index_in_node;
  }
  // Swap-remove on the subscriber side, likewise.
  subs[subscription_index] = subs.back();
  subs.pop_back();
  if (subscription_index < subs.size()) {
    const auto& moved = subs[subscription_index];
    moved.node->entries[moved.index_in_node].index_in_subscriber = subscription_index;
  }
  if (entries.empty() && interest_) interest_(node->pattern(), false);
  prune(node);
}

void PatternTrie::prune(TrieNode* node) {
  while (node != root_.get() && node->entries.empty() && node->children.empty()) {
    TrieNode* parent = node->parent;
    parent->children.erase(node->key);  // frees node
    --node_count_;
    node = parent;
  }
}

bool PatternTrie::remove(Subscriber& subscriber, std::string_view pattern) {
  TrieNode* node = find(pattern);
  if (node == nullptr) return false;
  for (uint32_t i = 0; i < subscriber.subscriptions_.size(); ++i) {
    if (subscriber.subscriptions_[i].node == node) {
      detach(subscriber, i);
      return true;
    }
  }
  return false;
}

void PatternTrie::remove_all(Subscriber& subscriber) {
  while (!subscriber.subscriptions_.empty()) {
    detach(subscriber, subscriber.subscriptions_.size() - 1);
  }
}

bool PatternTrie::holds(const Subscriber& subscriber, std::string_view pattern) const {
  TrieNode* node = find(pattern);
  if (node == nullptr) return false;
  for (const auto& sub : subscriber.subscriptions_) {
    if (sub.node == node) return true;
  }
  return false;
}

std::vector<std::string> PatternTrie::patterns_of(const Subscriber& subscriber) const {
  std::vector<std::string> out;
  for (const auto& sub : subscriber.subscriptions_) out.push_back(sub.node->pattern());
  return out;
}

}  // namespace sb::hub
