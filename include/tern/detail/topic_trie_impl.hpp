#pragma once
// Implementation of tern::topic_trie<T>. Included by tern/topic.hpp; not a
// public header on its own.

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tern::detail {

// Transparent hash: the children maps are looked up by std::string_view
// without building a std::string.
struct level_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// Level cursors. A cursor `p` is the offset where a level starts; after the
// last level it is `s.size() + 1`, so "no level left" differs from "one
// empty level left" (the name "a/" has two levels, the second one empty).

// The end (a '/' or s.size()) of the level starting at `p`.
inline std::size_t level_end(std::string_view s, std::size_t p) noexcept {
  const std::size_t e = s.find('/', p);
  return e == std::string_view::npos ? s.size() : e;
}

// The start of the level that ends at `p - 1`, i.e. the cursor before `p`.
inline std::size_t prev_level_start(std::string_view s, std::size_t p) noexcept {
  if (p < 2) return 0;
  const std::size_t slash = s.rfind('/', p - 2);
  return slash == std::string_view::npos ? 0 : slash + 1;
}

template <class T>
struct trie_node {
  // Mapped by value: unordered_map never moves its elements, so parent
  // pointers stay valid, and an exact child costs one allocation, not two.
  using children_map = std::unordered_map<std::string, trie_node, level_hash, std::equal_to<>>;

  trie_node* parent_ = nullptr;
  std::unique_ptr<children_map> children_;  // allocated on first exact child: most nodes are leaves
  std::unique_ptr<trie_node> plus_;
  std::unique_ptr<trie_node> hash_;  // holds values only: '#' is always the last level
  std::vector<T> values_;

  bool is_empty() const noexcept {
    return values_.empty() && !plus_ && !hash_ && (!children_ || children_->empty());
  }

  trie_node* child(std::string_view level) const noexcept {
    if (!children_) return nullptr;
    const auto it = children_->find(level);
    return it == children_->end() ? nullptr : &it->second;
  }
};

}  // namespace tern::detail

namespace tern {

template <class T>
topic_trie<T>::topic_trie() = default;

template <class T>
topic_trie<T>::~topic_trie() {
  clear();
}

template <class T>
topic_trie<T>::topic_trie(topic_trie&& other) noexcept
    : root_(std::move(other.root_)), size_(std::exchange(other.size_, 0)), nodes_(std::exchange(other.nodes_, 0)) {
  root_.parent_ = nullptr;
  if (root_.plus_) root_.plus_->parent_ = &root_;
  if (root_.hash_) root_.hash_->parent_ = &root_;
  if (root_.children_)
    for (auto& kv : *root_.children_) kv.second.parent_ = &root_;
}

template <class T>
topic_trie<T>& topic_trie<T>::operator=(topic_trie&& other) noexcept {
  if (this != &other) {
    clear();
    std::destroy_at(this);
    std::construct_at(this, std::move(other));
  }
  return *this;
}

template <class T>
void topic_trie<T>::clear() noexcept {
  // Post-order teardown without recursion: always descend into some child,
  // and delete a node once it is a leaf.
  node* n = &root_;
  for (;;) {
    node* c = nullptr;
    if (n->plus_) {
      c = n->plus_.get();
    } else if (n->hash_) {
      c = n->hash_.get();
    } else if (n->children_) {
      if (n->children_->empty())
        n->children_.reset();
      else
        c = &n->children_->begin()->second;
    }
    if (c) {
      n = c;
      continue;
    }
    if (n == &root_) break;
    node* parent = n->parent_;
    if (parent->plus_.get() == n)
      parent->plus_.reset();
    else if (parent->hash_.get() == n)
      parent->hash_.reset();
    else
      parent->children_->erase(parent->children_->begin());  // n was reached through begin()
    n = parent;
  }
  std::vector<T>().swap(root_.values_);
  size_ = 0;
  nodes_ = 0;
}

template <class T>
std::error_code topic_trie<T>::insert(std::string_view filter, T value) {
  if (const std::error_code ec = validate_topic_filter(filter)) return ec;
  const std::string_view f = dispatch_filter(filter);
  node* n = &root_;
  std::size_t consumed = 0;  // f[0, consumed) leads from the root to n
  try {
    for (std::size_t p = 0;; p = consumed + 1) {
      const std::size_t e = detail::level_end(f, p);
      const std::string_view level = f.substr(p, e - p);
      std::unique_ptr<node>* slot = level == "+" ? &n->plus_ : level == "#" ? &n->hash_ : nullptr;
      node* next;
      if (slot) {
        if (!*slot) {
          *slot = std::make_unique<node>();
          (*slot)->parent_ = n;
          ++nodes_;
        }
        next = slot->get();
      } else {
        if (!n->children_) {
          n->children_ = std::make_unique<typename node::children_map>();
          n->children_->reserve(1);  // 2 buckets, not the 13 of a first insert: most nodes have one child
        }
        auto it = n->children_->find(level);
        if (it == n->children_->end()) {
          it = n->children_->emplace(std::piecewise_construct, std::forward_as_tuple(level), std::tuple<>{}).first;
          it->second.parent_ = n;
          ++nodes_;
        }
        next = &it->second;
      }
      n = next;
      consumed = e;
      if (e == f.size()) break;
    }
    n->values_.push_back(std::move(value));
  } catch (...) {
    prune(n, f.substr(0, consumed));
    throw;
  }
  ++size_;
  return {};
}

template <class T>
const typename topic_trie<T>::node* topic_trie<T>::find_node(std::string_view f) const noexcept {
  const node* n = &root_;
  for (std::size_t p = 0;;) {
    const std::size_t e = detail::level_end(f, p);
    const std::string_view level = f.substr(p, e - p);
    n = level == "+" ? n->plus_.get() : level == "#" ? n->hash_.get() : n->child(level);
    if (!n || e == f.size()) return n;
    p = e + 1;
  }
}

template <class T>
void topic_trie<T>::prune(node* n, std::string_view consumed) noexcept {
  while (n != &root_ && n->is_empty()) {
    node* parent = n->parent_;
    const std::size_t slash = consumed.rfind('/');
    const std::string_view level = slash == std::string_view::npos ? consumed : consumed.substr(slash + 1);
    if (parent->plus_.get() == n) {
      parent->plus_.reset();
    } else if (parent->hash_.get() == n) {
      parent->hash_.reset();
    } else {
      parent->children_->erase(parent->children_->find(level));
      if (parent->children_->empty()) parent->children_.reset();
    }
    --nodes_;
    consumed = slash == std::string_view::npos ? std::string_view{} : consumed.substr(0, slash);
    n = parent;
  }
}

template <class T>
template <class Pred>
std::size_t topic_trie<T>::erase_if(std::string_view filter, Pred pred) {
  if (validate_topic_filter(filter)) return 0;
  const std::string_view f = dispatch_filter(filter);
  node* n = const_cast<node*>(find_node(f));
  if (!n) return 0;
  auto& values = n->values_;
  const auto first = std::remove_if(values.begin(), values.end(), [&pred](const T& v) { return pred(v); });
  const auto removed = static_cast<std::size_t>(values.end() - first);
  values.erase(first, values.end());
  size_ -= removed;
  if (values.empty()) {
    std::vector<T>().swap(values);
    prune(n, f);
  }
  return removed;
}

template <class T>
std::size_t topic_trie<T>::count(std::string_view filter) const noexcept {
  if (validate_topic_filter(filter)) return 0;
  const node* n = find_node(dispatch_filter(filter));
  return n ? n->values_.size() : 0;
}

template <class T>
template <class Fn>
std::size_t topic_trie<T>::for_each_match(std::string_view name, Fn&& fn) const {
  // Depth-first over the nodes the name can reach, without a stack: a node's
  // parent pointer and the name's '/' positions lead back up, and at each node
  // the exact child is tried before the '+' child. A node is entered with the
  // cursor `p` of the first level it has not consumed.
  const bool dollar = !name.empty() && name.front() == '$';
  const std::size_t end = name.size() + 1;
  std::size_t calls = 0;
  const auto emit = [&](const std::vector<T>& values) {
    for (const T& v : values) fn(v);
    calls += values.size();
  };
  const node* n = &root_;
  std::size_t p = 0;
  for (;;) {
    const bool wildcards = !(dollar && n == &root_);  // [MQTT-4.7.2-1]
    if (n->hash_ && wildcards) emit(n->hash_->values_);  // "a/#" matches "a" too
    if (p == end) {
      emit(n->values_);
    } else {
      const std::size_t e = detail::level_end(name, p);
      if (const node* c = n->child(name.substr(p, e - p))) {
        n = c;
        p = e + 1;
        continue;
      }
      if (n->plus_ && wildcards) {
        n = n->plus_.get();
        p = e + 1;
        continue;
      }
    }
    // Climb to the nearest ancestor whose '+' child is still unvisited; that
    // child consumes the same level as the one we leave, so `p` is unchanged.
    for (;;) {
      if (n == &root_) return calls;
      const node* parent = n->parent_;
      if (parent->plus_.get() != n && parent->plus_ && !(dollar && parent == &root_)) {
        n = parent->plus_.get();
        break;
      }
      n = parent;
      p = detail::prev_level_start(name, p);
    }
  }
}

}  // namespace tern
