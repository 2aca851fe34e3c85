#pragma once
#include <cstdint>
#include <memory>
#include <string_view>

#include "hub/pointer_table.h"

namespace sb::hub {

struct TrieNode;

// The children of one trie node, owned, in a PointerTable keyed by each child's own key: a
// level under which every user or document has its own channel holds tens of thousands of
// children, and a child then costs its slot instead of a hash-map node.
class TrieChildren {
 public:
  TrieChildren() = default;
  ~TrieChildren();
  TrieChildren(const TrieChildren&) = delete;
  TrieChildren& operator=(const TrieChildren&) = delete;

  // The child with this key, or null.
  TrieNode* find(std::string_view key) const { return table_.find(key); }
  // Adopts a child whose key is not present yet; returns it.
  TrieNode* insert(std::unique_ptr<TrieNode> child);
  // Removes and frees the child with this key (which must be present).
  void erase(std::string_view key);
  bool empty() const { return table_.empty(); }
  uint32_t size() const { return table_.size(); }

 private:
  struct KeyOf {
    // Defined in pattern_trie.h, where TrieNode is complete, so that lookups inline it.
    std::string_view operator()(const TrieNode& node) const;
  };
  PointerTable<TrieNode, KeyOf> table_;
};

}  // namespace sb::hub
