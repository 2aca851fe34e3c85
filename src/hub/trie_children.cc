#include "hub/trie_children.h"

#include <cstdlib>
#include <functional>

#include "hub/pattern_trie.h"

namespace sb::hub {

struct alignas(alignof(TrieNode*)) TrieChildren::Table {
  uint32_t size;
  uint32_t mask;  // capacity - 1 (capacity: a power of two)
  // The slots follow the header in the same allocation; null = free.
  TrieNode** slots() { return reinterpret_cast<TrieNode**>(this + 1); }

  static Table* create(uint32_t capacity) {
    auto* t = static_cast<Table*>(std::calloc(1, sizeof(Table) + sizeof(TrieNode*) * capacity));
    if (t == nullptr) std::abort();  // as operator new would: out of memory ends the process
    t->mask = capacity - 1;
    return t;
  }
};

namespace {

size_t hash_of(std::string_view key) { return std::hash<std::string_view>{}(key); }

}  // namespace

TrieChildren::~TrieChildren() {
  if (table_ == nullptr) return;
  for (uint32_t i = 0; i <= table_->mask; ++i) delete table_->slots()[i];
  std::free(table_);
}

uint32_t TrieChildren::size() const { return table_ == nullptr ? 0 : table_->size; }

TrieNode* TrieChildren::find(std::string_view key) const {
  if (table_ == nullptr) return nullptr;
  for (size_t i = hash_of(key) & table_->mask;; i = (i + 1) & table_->mask) {
    TrieNode* n = table_->slots()[i];
    if (n == nullptr || n->key == key) return n;
  }
}

TrieNode* TrieChildren::insert(std::unique_ptr<TrieNode> child) {
  // Two slots for a first child (most inner nodes have one or two), then doubling.
  if (table_ == nullptr) {
    table_ = Table::create(2);
  } else if ((table_->size + 1) * 4 > (table_->mask + 1) * 3) {
    rehash((table_->mask + 1) * 2);
  }
  size_t i = hash_of(child->key) & table_->mask;
  while (table_->slots()[i] != nullptr) i = (i + 1) & table_->mask;
  table_->slots()[i] = child.release();
  ++table_->size;
  return table_->slots()[i];
}

void TrieChildren::erase(std::string_view key) {
  size_t i = hash_of(key) & table_->mask;
  while (table_->slots()[i]->key != key) i = (i + 1) & table_->mask;
  delete table_->slots()[i];
  table_->slots()[i] = nullptr;
  if (--table_->size == 0) {
    std::free(table_);
    table_ = nullptr;
    return;
  }
  // Backward-shift deletion: move later members of the probe run into the hole when their
  // home slot does not lie in between, so that no lookup stops early at it.
  size_t hole = i;
  for (size_t j = (i + 1) & table_->mask; table_->slots()[j] != nullptr; j = (j + 1) & table_->mask) {
    size_t home = hash_of(table_->slots()[j]->key) & table_->mask;
    bool home_between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (home_between) continue;
    table_->slots()[hole] = table_->slots()[j];
    table_->slots()[j] = nullptr;
    hole = j;
  }
  // A level that emptied out (users gone for the night) gives its slots back.
  uint32_t capacity = table_->mask + 1;
  if (capacity > 16 && table_->size * 8 < capacity) rehash(capacity / 2);
}

void TrieChildren::rehash(uint32_t capacity) {
  Table* old = table_;
  table_ = Table::create(capacity);
  table_->size = old->size;
  for (uint32_t i = 0; i <= old->mask; ++i) {
    TrieNode* n = old->slots()[i];
    if (n == nullptr) continue;
    size_t j = hash_of(n->key) & table_->mask;
    while (table_->slots()[j] != nullptr) j = (j + 1) & table_->mask;
    table_->slots()[j] = n;
  }
  std::free(old);
}

}  // namespace sb::hub
