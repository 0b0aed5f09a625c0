// The template engine's runtime value: a small Python-like dynamic type (None, bool, int,
// float, str, list/tuple, insertion-ordered dict, namespace, callable, Undefined).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "faq/util/error.h"

namespace faq::tmpl {

// Raised while rendering; the interpreter prefixes "<name>:<line>:<col>: " where it knows
// the node. Derives from faq::Error so nothing else ever escapes the engine.
class RenderError : public Error {
 public:
  using Error::Error;
};

template <typename... Args>
[[noreturn]] void Throw(fmt::format_string<Args...> format, Args&&... args) {
  throw RenderError(fmt::format(format, std::forward<Args>(args)...));
}

class Value;
class Interpreter;

struct List {
  std::vector<Value> items;
  bool is_tuple = false;
  int depth = 1;  // nesting depth, capped so printing/comparing cannot exhaust the stack
};

// Insertion-ordered mapping with linear lookup: template dicts are small (messages, tool
// schemas), and order must survive for tojson / items().
struct Dict {
  std::vector<std::pair<Value, Value>> items;
  int depth = 1;
  const Value* Find(const Value& key) const;
  const Value* Find(std::string_view key) const;
  void Set(Value key, Value value);
};

// jinja2.utils.Namespace: the one mutable object a template can create.
struct Namespace {
  Dict attrs;
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
  // Removes and returns keyword `name`, else positional `index` (if present), else nullptr.
  const Value* Get(size_t index, std::string_view name) const;
};

struct Callable {
  std::string name;
  std::function<Value(Interpreter&, CallArgs&)> fn;
};

// Jinja's Undefined: remembers why it is undefined for the error raised when it is used.
struct Undefined {
  std::string hint;  // e.g. "'x' is undefined" or "'dict object' has no attribute 'y'"
};

class Value {
 public:
  enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kNamespace, kCallable };

  Value() : v_(Undefined{}) {}
  static Value MakeUndefined(std::string hint) { return Value(Undefined{std::move(hint)}); }
  static Value None() { return Value(std::monostate{}); }
  Value(bool b) : v_(b) {}  // NOLINT: implicit by design, like Python literals
  Value(int64_t i) : v_(i) {}
  Value(int i) : v_(static_cast<int64_t>(i)) {}
  Value(double d) : v_(d) {}
  // Strings are shared, not copied: templates pass message contents around a lot, and
  // `[s] * n` must not multiply memory.
  Value(std::string s) : v_(std::make_shared<const std::string>(std::move(s))) {}
  Value(const char* s) : Value(std::string(s)) {}
  Value(std::string_view s) : Value(std::string(s)) {}
  static Value MakeList(std::vector<Value> items, bool is_tuple = false);
  static Value MakeDict(Dict dict);
  static Value MakeNamespace(Dict attrs);
  static Value MakeCallable(std::string name, std::function<Value(Interpreter&, CallArgs&)> fn);
  static Value FromJson(const nlohmann::ordered_json& j);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool IsUndefined() const { return kind() == Kind::kUndefined; }
  bool IsNone() const { return kind() == Kind::kNone; }
  bool IsBool() const { return kind() == Kind::kBool; }
  bool IsInt() const { return kind() == Kind::kInt; }
  bool IsFloat() const { return kind() == Kind::kFloat; }
  bool IsNumber() const { return IsBool() || IsInt() || IsFloat(); }
  bool IsString() const { return kind() == Kind::kString; }
  bool IsList() const { return kind() == Kind::kList; }
  bool IsTuple() const { return IsList() && std::get<std::shared_ptr<const List>>(v_)->is_tuple; }
  bool IsDict() const { return kind() == Kind::kDict; }
  bool IsNamespace() const { return kind() == Kind::kNamespace; }
  bool IsCallable() const { return kind() == Kind::kCallable; }

  bool AsBool() const { return std::get<bool>(v_); }
  int64_t AsInt() const { return std::get<int64_t>(v_); }
  double AsFloat() const { return std::get<double>(v_); }
  // Numeric value of a bool/int/float as a double.
  double ToDouble() const;
  const std::string& AsString() const { return *std::get<std::shared_ptr<const std::string>>(v_); }
  const std::vector<Value>& AsList() const { return std::get<std::shared_ptr<const List>>(v_)->items; }
  const Dict& AsDict() const { return *std::get<std::shared_ptr<const Dict>>(v_); }
  Namespace& AsNamespace() const { return *std::get<std::shared_ptr<Namespace>>(v_); }
  const Callable& AsCallable() const { return *std::get<std::shared_ptr<const Callable>>(v_); }
  const std::string& UndefinedHint() const { return std::get<Undefined>(v_).hint; }

  // Nesting depth of lists/dicts (0 for scalars).
  int NestingDepth() const;
  // Python truthiness.
  bool Truthy() const;
  // Python str() (what `{{ x }}` prints) and repr() (how containers print items).
  std::string Str() const;
  std::string Repr() const;
  // Python type name for messages ("dict", "NoneType", ...).
  std::string TypeName() const;
  // Throws the UndefinedError this value stands for (only call on Undefined).
  [[noreturn]] void FailUndefined() const;

 private:
  using Variant = std::variant<Undefined, std::monostate, bool, int64_t, double, std::shared_ptr<const std::string>,
                               std::shared_ptr<const List>, std::shared_ptr<const Dict>,
                               std::shared_ptr<Namespace>, std::shared_ptr<const Callable>>;
  explicit Value(Variant v) : v_(std::move(v)) {}
  Variant v_;
};

// The largest string a render may build (set per render by the interpreter); operations
// that could grow a string past it throw RenderError first.
size_t StringLimit();
void CheckStringSize(size_t bytes);
class ScopedStringLimit {
 public:
  explicit ScopedStringLimit(size_t bytes);
  ~ScopedStringLimit();

 private:
  size_t saved_;
};

// Lists/dicts nested deeper than this are refused (see Value::NestingDepth).
constexpr int kMaxValueDepth = 500;

// Python ==, and the < used by sort/min/max and comparisons (throws on unorderable types).
bool Equals(const Value& a, const Value& b);
bool Less(const Value& a, const Value& b);

// Python float repr (shortest round-trip, "1e+16", "1.0").
std::string FloatRepr(double d);
// Python repr of a str.
std::string StringRepr(std::string_view s);

// Conversion for tojson and for callers; throws RenderError on undefined/callables.
nlohmann::ordered_json ToJson(const Value& v);

}  // namespace faq::tmpl
