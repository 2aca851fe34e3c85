#pragma once
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string_view>

namespace sb::hub {

// A set of pointers found by a key each element carries (KeyOf{}(const T&) gives it as a
// string_view): open addressing with linear probing, backward-shift deletion, at most 3/4
// full, and shrinking when it empties out. It suits levels where every user or document
// has an element of its own: an element costs its slot (8 to 16 bytes), not a hash-map
// node, and the key is read from the element, which a lookup visits next anyway. The
// table is one pointer wide until the first insert. It does not own the elements.
template <typename T, typename KeyOf>
class PointerTable {
 public:
  PointerTable() = default;
  ~PointerTable() { std::free(table_); }
  PointerTable(const PointerTable&) = delete;
  PointerTable& operator=(const PointerTable&) = delete;

  bool empty() const { return table_ == nullptr; }
  uint32_t size() const { return table_ == nullptr ? 0 : table_->size; }

  // The element with this key, or null.
  T* find(std::string_view k) const {
    size_t i = index_of(k);
    return i == kAbsent ? nullptr : table_->slots()[i];
  }
  // Puts another element in the place of the present one with the same key.
  void replace(T* element) { table_->slots()[index_of(key(element))] = element; }
  // Adds an element whose key is not present yet.
  void insert(T* element) {
    // Two slots for a first element (most trie levels have one or two), then doubling.
    if (table_ == nullptr) {
      table_ = Table::create(2);
    } else if ((table_->size + 1) * 4 > (table_->mask + 1) * 3) {
      rehash((table_->mask + 1) * 2);
    }
    place(element);
    ++table_->size;
  }
  // Removes the element with this key (which must be present) and returns it.
  T* erase(std::string_view k) {
    size_t i = home(k);
    while (key(table_->slots()[i]) != k) i = (i + 1) & table_->mask;
    T* erased = table_->slots()[i];
    table_->slots()[i] = nullptr;
    if (--table_->size == 0) {
      std::free(table_);
      table_ = nullptr;
      return erased;
    }
    // Backward-shift deletion: later members of the probe run move into the hole when their
    // home slot does not lie in between, so that no lookup stops early at it.
    size_t hole = i;
    for (size_t j = (i + 1) & table_->mask; table_->slots()[j] != nullptr; j = (j + 1) & table_->mask) {
      size_t h = home(key(table_->slots()[j]));
      bool home_between = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
      if (home_between) continue;
      table_->slots()[hole] = table_->slots()[j];
      table_->slots()[j] = nullptr;
      hole = j;
    }
    // A level that emptied out (users gone for the night) gives its slots back.
    uint32_t capacity = table_->mask + 1;
    if (capacity > 16 && table_->size * 8 < capacity) rehash(capacity / 2);
    return erased;
  }
  // Calls visit(T*) for every element, in no particular order.
  template <typename Visit>
  void for_each(Visit&& visit) const {
    if (table_ == nullptr) return;
    for (uint32_t i = 0; i <= table_->mask; ++i) {
      if (T* e = table_->slots()[i]) visit(e);
    }
  }

 private:
  struct alignas(alignof(T*)) Table {
    uint32_t size;
    uint32_t mask;  // capacity - 1 (capacity: a power of two)
    // The slots follow the header in the same allocation; null = free.
    T** slots() { return reinterpret_cast<T**>(this + 1); }

    static Table* create(uint32_t capacity) {
      auto* t = static_cast<Table*>(std::calloc(1, sizeof(Table) + sizeof(T*) * capacity));
      if (t == nullptr) std::abort();  // as operator new would: out of memory ends the process
      t->mask = capacity - 1;
      return t;
    }
  };

  static std::string_view key(const T* element) { return KeyOf{}(*element); }
  size_t home(std::string_view k) const { return std::hash<std::string_view>{}(k) & table_->mask; }
  static constexpr size_t kAbsent = SIZE_MAX;
  // The slot holding the element with this key, or kAbsent.
  size_t index_of(std::string_view k) const {
    if (table_ == nullptr) return kAbsent;
    for (size_t i = home(k);; i = (i + 1) & table_->mask) {
      const T* e = table_->slots()[i];
      if (e == nullptr) return kAbsent;
      if (key(e) == k) return i;
    }
  }
  void place(T* element) {
    size_t i = home(key(element));
    while (table_->slots()[i] != nullptr) i = (i + 1) & table_->mask;
    table_->slots()[i] = element;
  }
  void rehash(uint32_t capacity) {
    Table* old = table_;
    table_ = Table::create(capacity);
    table_->size = old->size;
    for (uint32_t i = 0; i <= old->mask; ++i) {
      if (T* e = old->slots()[i]) place(e);
    }
    std::free(old);
  }

  Table* table_ = nullptr;  // null while empty
};

}  // namespace sb::hub
