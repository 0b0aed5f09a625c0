// Renders a parsed template: scopes, statements, expression evaluation and calls.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "template/ast.h"
#include "template/lexer.h"
#include "template/value.h"

namespace faq::tmpl {

// Variables of one frame. Jinja gives each loop iteration, macro call and with-block a
// fresh frame that reads through to its parent; `set` writes to the innermost frame.
class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent = nullptr) : parent_(std::move(parent)) {}
  const Value* Lookup(const std::string& name) const;
  void Set(const std::string& name, Value value) { vars_[name] = std::move(value); }

 private:
  std::unordered_map<std::string, Value> vars_;
  std::shared_ptr<Scope> parent_;
};
using ScopePtr = std::shared_ptr<Scope>;

// Bounds that turn runaway templates into errors instead of hangs or exhaustion.
struct RenderLimits {
  size_t max_output_bytes = size_t{256} << 20;  // also caps any single string built
  int max_call_depth = 100;                      // nested macro calls
  uint64_t max_steps = 200'000'000;              // evaluated nodes
};

class Interpreter {
 public:
  Interpreter(const SourceMap& map, RenderLimits limits) : map_(map), limits_(limits) {}
  // Breaks the reference cycles a template can create (a namespace holding itself).
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Registers a namespace so its attributes are released when the render ends.
  void TrackNamespace(const Value& ns) { namespaces_.push_back(ns); }

  std::string Render(const std::vector<NodePtr>& body, const ScopePtr& globals);

  Value Eval(const Node& node, const ScopePtr& scope);
  Value Call(const Value& callee, CallArgs& args);
  const RenderLimits& limits() const { return limits_; }
  // Throws when a string about to be built would exceed the output limit.
  void CheckSize(size_t bytes) const;

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Flow Exec(const std::vector<NodePtr>& body, const ScopePtr& scope, std::string& out);
  Flow ExecNode(const Node& node, const ScopePtr& scope, std::string& out);
  Flow ExecFor(const Node& node, const ScopePtr& scope, std::string& out);
  void ExecCallBlock(const Node& node, const ScopePtr& scope, std::string& out);
  Value EvalInner(const Node& node, const ScopePtr& scope);
  Value EvalFilter(const Node& node, const ScopePtr& scope, const Value* block_subject);
  void EvalArgs(const Node& node, size_t first, const ScopePtr& scope, CallArgs& args);
  Value MakeMacro(const Node& node, const ScopePtr& scope, size_t first_default);
  void Assign(const std::vector<std::string>& targets, const Value& value, Scope& scope);
  void Step();

  const SourceMap& map_;
  RenderLimits limits_;
  // Scopes that macros close over. Macros hold them by raw pointer (a scope holding a
  // macro that owns the scope would be a cycle); the interpreter keeps them alive instead.
  std::vector<ScopePtr> pinned_scopes_;
  std::vector<Value> namespaces_;
  uint64_t steps_ = 0;
  int call_depth_ = 0;
};

// Attribute and item access with Jinja's sandboxed lookup order (access.cc).
Value GetAttr(const Value& obj, const std::string& name);
Value GetItem(const Value& obj, const Value& key);
Value SliceValue(const Value& obj, const Value& start, const Value& stop, const Value& step);
// Python iteration (dict -> keys, str -> characters; Undefined -> nothing).
std::vector<Value> Iterate(const Value& v);
// Python `a in b`.
bool Contains(const Value& container, const Value& item);
// Arithmetic and `~` (operators.cc).
Value BinaryOp(const std::string& op, const Value& a, const Value& b, size_t max_bytes);
Value Negate(const Value& v, bool negative);

// Bound methods of str/dict/list, or nullopt-like Undefined when `name` is not one (methods.cc).
bool LookupMethod(const Value& self, const std::string& name, Value& out);

// Filters and tests (filters.cc, filters_seq.cc, tests.cc).
Value ApplyFilter(Interpreter& in, const std::string& name, const Value& subject, CallArgs& args);
bool ApplyTest(Interpreter& in, const std::string& name, const Value& subject, CallArgs& args);

// The globals transformers exposes: range, namespace, dict, raise_exception, strftime_now.
void AddGlobals(Scope& scope);

}  // namespace faq::tmpl
