// Jinja's builtin tests (jinja2/tests.py): `x is defined`, `x is string`, `n is divisibleby 3` ...
#include <ctime>

#include "template/filters.h"
#include "template/unicode.h"

namespace faq::tmpl {

namespace {

const char* const kTests[] = {
    "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number",
    "string", "mapping", "iterable", "sequence", "callable", "sameas", "escaped", "in", "eq",
    "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">",
    "ge", ">=", "odd", "even", "divisibleby", "lower", "upper", "filter", "test"};

const Value& Arg(const CallArgs& a, const std::string& test) {
  if (a.positional.empty()) Throw("test '{}' needs an argument", test);
  return a.positional[0];
}

int64_t IntOf(const Value& v) {
  if (v.IsUndefined()) v.FailUndefined();
  if (v.IsInt()) return v.AsInt();
  if (v.IsBool()) return v.AsBool();
  Throw("expected an integer, got {}", v.TypeName());
}

}  // namespace

bool HasTest(const std::string& name) {
  for (const char* t : kTests) {
    if (name == t) return true;
  }
  return false;
}

bool ApplyTest(Interpreter& in, const std::string& name, const Value& v, CallArgs& a) {
  using K = Value::Kind;
  if (name == "defined") return !v.IsUndefined();
  if (name == "undefined") return v.IsUndefined();
  if (name == "none") return v.IsNone();
  if (name == "boolean") return v.IsBool();
  if (name == "false") return v.IsBool() && !v.AsBool();
  if (name == "true") return v.IsBool() && v.AsBool();
  if (name == "integer") return v.IsInt();
  if (name == "float") return v.IsFloat();
  if (name == "number") return v.IsNumber();
  if (name == "string") return v.IsString();
  if (name == "mapping") return v.IsDict();
  if (name == "iterable") return v.IsString() || v.IsList() || v.IsDict() || v.IsUndefined();
  if (name == "sequence") return v.IsString() || v.IsList() || v.IsDict() || v.IsUndefined();
  if (name == "callable") return v.IsCallable();
  if (name == "escaped") return false;
  if (name == "sameas") {
    const Value& o = Arg(a, name);
    if (v.kind() != o.kind()) return false;
    if (v.kind() == K::kNone || v.kind() == K::kBool || v.kind() == K::kUndefined) return Equals(v, o);
    if (v.kind() == K::kNamespace) return &v.AsNamespace() == &o.AsNamespace();
    return false;  // Python identity of other objects: distinct evaluations are distinct objects
  }
  if (name == "in") return Contains(Arg(a, name), v);
  if (name == "eq" || name == "equalto" || name == "==") return Equals(v, Arg(a, name));
  if (name == "ne" || name == "!=") return !Equals(v, Arg(a, name));
  if (name == "lt" || name == "lessthan" || name == "<") return Less(v, Arg(a, name));
  if (name == "le" || name == "<=") return !Less(Arg(a, name), v);
  if (name == "gt" || name == "greaterthan" || name == ">") return Less(Arg(a, name), v);
  if (name == "ge" || name == ">=") return !Less(v, Arg(a, name));
  if (name == "odd" || name == "even") {
    int64_t i = IntOf(v);
    return (i % 2 != 0) == (name == "odd");
  }
  if (name == "divisibleby") {
    int64_t d = IntOf(Arg(a, name));
    if (d == 0) Throw("integer division or modulo by zero");
    if (d == -1) return true;
    return IntOf(v) % d == 0;
  }
  if (name == "lower" || name == "upper") {
    std::u32string cps = DecodeUtf8(v.Str());
    bool cased = false;
    for (char32_t c : cps) {
      if (IsUpper(c) || IsLower(c)) {
        cased = true;
        if (name == "lower" ? IsUpper(c) : IsLower(c)) return false;
      }
    }
    return cased;
  }
  if (name == "filter") return v.IsString() && HasFilter(v.AsString());
  if (name == "test") return v.IsString() && HasTest(v.AsString());
  (void)in;
  Throw("test '{}' is not implemented", name);
}

void AddGlobals(Scope& scope) {
  scope.Set("range", Value::MakeCallable("range", [](Interpreter&, CallArgs& a) {
    std::vector<int64_t> n;
    for (const Value& v : a.positional) n.push_back(IntOf(v));
    if (n.empty() || n.size() > 3) Throw("range expected 1 to 3 arguments, got {}", n.size());
    int64_t start = n.size() > 1 ? n[0] : 0, stop = n.size() > 1 ? n[1] : n[0], step = n.size() > 2 ? n[2] : 1;
    if (step == 0) Throw("range() arg 3 must not be zero");
    std::vector<Value> out;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      // ImmutableSandboxedEnvironment's safe_range refuses more than MAX_RANGE items.
      if (out.size() >= 100000) Throw("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
      out.emplace_back(i);
      if ((step > 0 && i > INT64_MAX - step) || (step < 0 && i < INT64_MIN - step)) break;
    }
    return Value::MakeList(std::move(out));
  }));
  auto mapping = [](const CallArgs& a, bool is_namespace) {
    Dict d;
    for (const Value& p : a.positional) {
      if (p.IsDict()) {
        for (const auto& [k, v] : p.AsDict().items) d.Set(k, v);
      } else {
        for (const Value& pair : Iterate(p)) {
          std::vector<Value> kv = Iterate(pair);
          if (kv.size() != 2) Throw("dictionary update sequence element has length {}; 2 is required", kv.size());
          d.Set(kv[0], kv[1]);
        }
      }
    }
    for (const auto& [k, v] : a.keyword) d.Set(Value(k), v);
    if (is_namespace) {
      for (const auto& [k, v] : d.items) {
        if (k.IsString() && !k.AsString().empty() && k.AsString()[0] == '_') {
          Throw("Chat templates cannot store underscore-prefixed attributes on a namespace, but got {}.", k.Repr());
        }
      }
    }
    return d;
  };
  scope.Set("namespace", Value::MakeCallable("namespace", [mapping](Interpreter& in, CallArgs& a) {
    Value ns = Value::MakeNamespace(mapping(a, true));
    in.TrackNamespace(ns);
    return ns;
  }));
  scope.Set("dict", Value::MakeCallable("dict", [mapping](Interpreter&, CallArgs& a) {
    return Value::MakeDict(mapping(a, false));
  }));
  scope.Set("raise_exception", Value::MakeCallable("raise_exception", [](Interpreter&, CallArgs& a) -> Value {
    throw RenderError(a.positional.empty() ? std::string() : a.positional[0].Str());
  }));
  scope.Set("strftime_now", Value::MakeCallable("strftime_now", [](Interpreter&, CallArgs& a) {
    if (a.positional.empty() || !a.positional[0].IsString()) Throw("strftime_now() needs a format string");
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char buf[512];
    size_t n = std::strftime(buf, sizeof(buf), a.positional[0].AsString().c_str(), &tm);
    return Value(std::string(buf, n));
  }));
}

}  // namespace faq::tmpl
