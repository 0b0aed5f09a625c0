// Methods templates call on values: str.*, dict.items/keys/values/get, list.count/index.
// The immutable sandbox transformers uses makes mutating methods (list.append, dict.update,
// ...) unusable; they resolve to an Undefined that fails when called.
#include "template/interpreter.h"
#include "template/str_ops.h"
#include "template/unicode.h"

namespace faq::tmpl {

namespace {

const std::string& StrArg(const CallArgs& a, size_t i, const char* name, const char* method) {
  const Value* v = a.Get(i, name);
  if (!v) Throw("{}() missing required argument '{}'", method, name);
  if (!v->IsString()) Throw("{}() argument must be str, not {}", method, v->TypeName());
  return v->AsString();
}

const std::string* OptStrArg(const CallArgs& a, size_t i, const char* name) {
  const Value* v = a.Get(i, name);
  if (!v || v->IsNone()) return nullptr;
  if (!v->IsString()) Throw("argument must be str or None, not {}", v->TypeName());
  return &v->AsString();
}

int64_t IntArg(const CallArgs& a, size_t i, const char* name, int64_t dflt) {
  const Value* v = a.Get(i, name);
  if (!v || v->IsNone()) return dflt;
  if (v->IsInt()) return v->AsInt();
  if (v->IsBool()) return v->AsBool();
  Throw("'{}' object cannot be interpreted as an integer", v->TypeName());
}

Value StrList(std::vector<std::string> parts) {
  std::vector<Value> items;
  items.reserve(parts.size());
  for (auto& p : parts) items.emplace_back(std::move(p));
  return Value::MakeList(std::move(items));
}

bool MatchAffix(const std::string& s, const Value& affix, bool prefix) {
  auto one = [&](const Value& v) {
    if (!v.IsString()) Throw("{} first arg must be str or a tuple of str, not {}", prefix ? "startswith" : "endswith", v.TypeName());
    const std::string& a = v.AsString();
    return a.size() <= s.size() && (prefix ? s.compare(0, a.size(), a) == 0 : s.compare(s.size() - a.size(), a.size(), a) == 0);
  };
  if (affix.IsTuple()) {
    for (const auto& v : affix.AsList()) {
      if (one(v)) return true;
    }
    return false;
  }
  return one(affix);
}

// str.format with {} / {0} / {name} fields and optional !s / !r conversions.
std::string Format(const std::string& f, const CallArgs& a) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    char c = f[i];
    if (c == '}' ) {
      if (i + 1 < f.size() && f[i + 1] == '}') ++i;
      else Throw("Single '}}' encountered in format string");
      out.push_back('}');
      continue;
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    size_t close = f.find('}', i);
    if (close == std::string::npos) Throw("Single '{{' encountered in format string");
    std::string field = f.substr(i + 1, close - i - 1);
    i = close;
    char conv = 's';
    if (size_t bang = field.find('!'); bang != std::string::npos) {
      conv = bang + 1 < field.size() ? field[bang + 1] : 's';
      field = field.substr(0, bang);
    }
    if (field.find(':') != std::string::npos) Throw("format specs in str.format are not supported");
    const Value* v = nullptr;
    if (field.empty()) {
      if (auto_index >= a.positional.size()) Throw("Replacement index {} out of range", auto_index);
      v = &a.positional[auto_index++];
    } else if (field.size() < 9 && std::all_of(field.begin(), field.end(), ::isdigit)) {
      size_t idx = std::stoul(field);
      if (idx >= a.positional.size()) Throw("Replacement index {} out of range", idx);
      v = &a.positional[idx];
    } else {
      for (const auto& [k, kv] : a.keyword) {
        if (k == field) v = &kv;
      }
      if (!v) Throw("KeyError: '{}'", field);
    }
    out += conv == 'r' ? v->Repr() : v->Str();
    CheckStringSize(out.size());
  }
  return out;
}

Value StrMethod(const std::string& s, const std::string& name, CallArgs& a) {
  if (name == "startswith" || name == "endswith") {
    const Value* v = a.Get(0, "prefix");
    if (!v) Throw("{}() takes at least 1 argument (0 given)", name);
    return Value(MatchAffix(s, *v, name == "startswith"));
  }
  if (name == "split" || name == "rsplit") {
    return StrList(PySplit(s, OptStrArg(a, 0, "sep"), IntArg(a, 1, "maxsplit", -1), name == "rsplit"));
  }
  if (name == "strip") return Value(PyStrip(s, OptStrArg(a, 0, "chars"), StripSide::kBoth));
  if (name == "lstrip") return Value(PyStrip(s, OptStrArg(a, 0, "chars"), StripSide::kLeft));
  if (name == "rstrip") return Value(PyStrip(s, OptStrArg(a, 0, "chars"), StripSide::kRight));
  if (name == "upper") return Value(Upper(s));
  if (name == "lower" || name == "casefold") return Value(Lower(s));
  if (name == "title") return Value(PyTitle(s));
  if (name == "capitalize") return Value(PyCapitalize(s));
  if (name == "replace") {
    return Value(PyReplace(s, StrArg(a, 0, "old", "replace"), StrArg(a, 1, "new", "replace"), IntArg(a, 2, "count", -1)));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    int64_t r = PyFind(s, StrArg(a, 0, "sub", name.c_str()), name[0] == 'r');
    if (r < 0 && name.find("index") != std::string::npos) Throw("substring not found");
    return Value(r);
  }
  if (name == "count") return Value(PyCount(s, StrArg(a, 0, "sub", "count")));
  if (name == "join") {
    const Value* it = a.Get(0, "iterable");
    if (!it) Throw("join() takes exactly one argument (0 given)");
    std::string out;
    size_t i = 0;
    for (const Value& v : Iterate(*it)) {
      if (!v.IsString()) Throw("sequence item {}: expected str instance, {} found", i, v.TypeName());
      if (i++) out += s;
      out += v.AsString();
      CheckStringSize(out.size());
    }
    return Value(std::move(out));
  }
  if (name == "splitlines") return StrList(PySplitLines(s, a.Get(0, "keepends") && a.Get(0, "keepends")->Truthy()));
  if (name == "format") return Value(Format(s, a));
  if (name == "removeprefix" || name == "removesuffix") {
    const std::string& x = StrArg(a, 0, "affix", name.c_str());
    if (name == "removeprefix" && s.compare(0, x.size(), x) == 0) return Value(s.substr(x.size()));
    if (name == "removesuffix" && !x.empty() && MatchAffix(s, Value(x), false)) return Value(s.substr(0, s.size() - x.size()));
    return Value(s);
  }
  auto all = [&](bool (*pred)(char32_t)) {
    std::u32string cps = DecodeUtf8(s);
    return Value(!cps.empty() && std::all_of(cps.begin(), cps.end(), pred));
  };
  if (name == "isdigit" || name == "isdecimal" || name == "isnumeric") return all(IsDecimal);
  if (name == "isalpha") return all(IsAlpha);
  if (name == "isalnum") return all(IsAlnum);
  if (name == "isspace") return all(IsSpace);
  if (name == "isupper" || name == "islower") {
    std::u32string cps = DecodeUtf8(s);
    bool any_cased = false, ok = true;
    for (char32_t c : cps) {
      if (IsUpper(c) || IsLower(c)) {
        any_cased = true;
        if (name == "isupper" ? IsLower(c) : IsUpper(c)) ok = false;
      }
    }
    return Value(any_cased && ok);
  }
  Throw("internal error: str.{} not implemented", name);
}

const char* const kStrMethods[] = {
    "startswith", "endswith", "split", "rsplit", "strip", "lstrip", "rstrip", "upper", "lower",
    "casefold", "title", "capitalize", "replace", "find", "rfind", "index", "rindex", "count",
    "join", "splitlines", "format", "removeprefix", "removesuffix", "isdigit", "isdecimal",
    "isnumeric", "isalpha", "isalnum", "isspace", "isupper", "islower"};
const char* const kDictUnsafe[] = {"pop", "popitem", "setdefault", "update", "clear"};
const char* const kListUnsafe[] = {"append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"};

template <size_t N>
bool In(const char* const (&names)[N], const std::string& name) {
  for (const char* n : names) {
    if (name == n) return true;
  }
  return false;
}

Value Unsafe(const Value& self, const std::string& name) {
  return Value::MakeUndefined(fmt::format("access to attribute '{}' of '{}' object is unsafe.", name, self.TypeName()));
}

Value Pairs(const Dict& d) {
  std::vector<Value> items;
  for (const auto& [k, v] : d.items) items.push_back(Value::MakeList({k, v}, true));
  return Value::MakeList(std::move(items));
}

}  // namespace

bool LookupMethod(const Value& self, const std::string& name, Value& out) {
  if (self.IsString() && In(kStrMethods, name)) {
    std::string s = self.AsString();
    out = Value::MakeCallable("str." + name, [s, name](Interpreter&, CallArgs& a) { return StrMethod(s, name, a); });
    return true;
  }
  if (self.IsDict()) {
    if (In(kDictUnsafe, name)) {
      out = Unsafe(self, name);
      return true;
    }
    if (name != "items" && name != "keys" && name != "values" && name != "get" && name != "copy") return false;
    Value d = self;
    out = Value::MakeCallable("dict." + name, [d, name](Interpreter&, CallArgs& a) -> Value {
      const Dict& dict = d.AsDict();
      if (name == "items") return Pairs(dict);
      if (name == "copy") return d;
      if (name == "get") {
        const Value* key = a.Get(0, "key");
        if (!key) Throw("get expected at least 1 argument, got 0");
        const Value* found = dict.Find(*key);
        const Value* dflt = a.Get(1, "default");
        return found ? *found : dflt ? *dflt : Value::None();
      }
      std::vector<Value> items;
      for (const auto& [k, v] : dict.items) items.push_back(name == "keys" ? k : v);
      return Value::MakeList(std::move(items));
    });
    return true;
  }
  if (self.IsList()) {
    if (In(kListUnsafe, name)) {
      out = self.IsTuple() ? Value::MakeUndefined(fmt::format("'tuple object' has no attribute '{}'", name)) : Unsafe(self, name);
      return true;
    }
    if (name != "count" && name != "index") return false;
    Value l = self;
    out = Value::MakeCallable("list." + name, [l, name](Interpreter&, CallArgs& a) -> Value {
      const Value* x = a.Get(0, "value");
      if (!x) Throw("{}() takes exactly one argument (0 given)", name);
      int64_t n = 0, i = 0;
      for (const auto& e : l.AsList()) {
        if (Equals(e, *x)) {
          if (name == "index") return Value(i);
          ++n;
        }
        ++i;
      }
      if (name == "index") Throw("{} is not in list", x->Repr());
      return Value(n);
    });
    return true;
  }
  return false;
}

}  // namespace faq::tmpl
