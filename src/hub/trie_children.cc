#include "hub/trie_children.h"

#include "hub/pattern_trie.h"

namespace sb::hub {

TrieChildren::~TrieChildren() {
  table_.for_each([](TrieNode* child) { delete child; });
}

TrieNode* TrieChildren::insert(std::unique_ptr<TrieNode> child) {
  TrieNode* adopted = child.release();
  table_.insert(adopted);
  return adopted;
}

void TrieChildren::erase(std::string_view key) { delete table_.erase(key); }

}  // namespace sb::hub
