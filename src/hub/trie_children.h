#pragma once
#include <cstdint>
#include <memory>
#include <string_view>

namespace sb::hub {

struct TrieNode;

// The children of one trie node, owned: an open-addressing table of node pointers found by
// the child's own key (linear probing, backward-shift deletion, at most 3/4 full). A level
// under which every user or document has its own channel holds tens of thousands of
// children, so a child costs its slot (8 to 16 bytes) instead of a hash-map node of its
// own; the key is read from the child, which a lookup visits next anyway. The table is one
// pointer wide and allocated with the first child.
class TrieChildren {
 public:
  TrieChildren() = default;
  ~TrieChildren();
  TrieChildren(const TrieChildren&) = delete;
  TrieChildren& operator=(const TrieChildren&) = delete;

  // The child with this key, or null.
  TrieNode* find(std::string_view key) const;
  // Adopts a child whose key is not present yet; returns it.
  TrieNode* insert(std::unique_ptr<TrieNode> child);
  // Removes and frees the child with this key (which must be present).
  void erase(std::string_view key);
  bool empty() const { return table_ == nullptr; }
  uint32_t size() const;

 private:
  struct Table;
  void rehash(uint32_t capacity);
  Table* table_ = nullptr;  // null without children
};

}  // namespace sb::hub
