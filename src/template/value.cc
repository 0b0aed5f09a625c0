#include "template/value.h"

#include <charconv>
#include <cmath>
#include <algorithm>
#include <cstdio>

#include "template/unicode.h"

namespace faq::tmpl {

namespace {
thread_local size_t g_string_limit = SIZE_MAX;
thread_local int g_repr_depth = 0;
}  // namespace

size_t StringLimit() { return g_string_limit; }
void CheckStringSize(size_t bytes) {
  if (bytes > g_string_limit) Throw("string exceeds the size limit of {} bytes", g_string_limit);
}
ScopedStringLimit::ScopedStringLimit(size_t bytes) : saved_(g_string_limit) { g_string_limit = bytes; }
ScopedStringLimit::~ScopedStringLimit() { g_string_limit = saved_; }

int Value::NestingDepth() const {
  if (IsList()) return std::get<std::shared_ptr<const List>>(v_)->depth;
  if (IsDict()) return std::get<std::shared_ptr<const Dict>>(v_)->depth;
  return 0;
}

namespace {
int ChildDepth(const Value& v, int current) {
  int d = std::max(current, v.NestingDepth() + 1);
  if (d > kMaxValueDepth) Throw("lists/dicts nested deeper than {} levels", kMaxValueDepth);
  return d;
}
}  // namespace

const Value* Dict::Find(const Value& key) const {
  for (const auto& [k, v] : items) {
    if (Equals(k, key)) return &v;
  }
  return nullptr;
}

const Value* Dict::Find(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k.IsString() && k.AsString() == key) return &v;
  }
  return nullptr;
}

void Dict::Set(Value key, Value value) {
  for (auto& [k, v] : items) {
    if (Equals(k, key)) {
      v = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

const Value* CallArgs::Get(size_t index, std::string_view name) const {
  for (const auto& [k, v] : keyword) {
    if (k == name) return &v;
  }
  return index < positional.size() ? &positional[index] : nullptr;
}

Value Value::MakeList(std::vector<Value> items, bool is_tuple) {
  auto list = std::make_shared<List>();
  for (const Value& v : items) list->depth = ChildDepth(v, list->depth);
  list->items = std::move(items);
  list->is_tuple = is_tuple;
  return Value(Variant(std::shared_ptr<const List>(std::move(list))));
}

Value Value::MakeDict(Dict dict) {
  for (const auto& [k, v] : dict.items) dict.depth = ChildDepth(v, ChildDepth(k, dict.depth));
  return Value(Variant(std::shared_ptr<const Dict>(std::make_shared<Dict>(std::move(dict)))));
}

Value Value::MakeNamespace(Dict attrs) {
  auto ns = std::make_shared<Namespace>();
  ns->attrs = std::move(attrs);
  return Value(Variant(std::move(ns)));
}

Value Value::MakeCallable(std::string name, std::function<Value(Interpreter&, CallArgs&)> fn) {
  return Value(Variant(std::shared_ptr<const Callable>(
      std::make_shared<Callable>(Callable{std::move(name), std::move(fn)}))));
}

Value Value::FromJson(const nlohmann::ordered_json& j) {
  struct Guard {  // refuse input nested deeper than we can hold, before recursing into it
    Guard() {
      if (++g_repr_depth > kMaxValueDepth) {
        --g_repr_depth;
        Throw("JSON input nested deeper than {} levels", kMaxValueDepth);
      }
    }
    ~Guard() { --g_repr_depth; }
  } guard;
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null:
      return None();
    case nlohmann::ordered_json::value_t::boolean:
      return Value(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return Value(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<int64_t>(u));
      return Value(static_cast<double>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return Value(j.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return Value(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(FromJson(e));
      return MakeList(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Dict d;
      d.items.reserve(j.size());
      for (const auto& [k, v] : j.items()) d.items.emplace_back(Value(k), FromJson(v));
      return MakeDict(std::move(d));
    }
    default:
      Throw("unsupported JSON value of type {}", j.type_name());
  }
}

double Value::ToDouble() const {
  switch (kind()) {
    case Kind::kBool: return AsBool() ? 1.0 : 0.0;
    case Kind::kInt: return static_cast<double>(AsInt());
    case Kind::kFloat: return AsFloat();
    default: Throw("expected a number, got {}", TypeName());
  }
}

bool Value::Truthy() const {
  switch (kind()) {
    case Kind::kUndefined: case Kind::kNone: return false;
    case Kind::kBool: return AsBool();
    case Kind::kInt: return AsInt() != 0;
    case Kind::kFloat: return AsFloat() != 0.0;
    case Kind::kString: return !AsString().empty();
    case Kind::kList: return !AsList().empty();
    case Kind::kDict: return !AsDict().items.empty();
    default: return true;
  }
}

std::string Value::TypeName() const {
  switch (kind()) {
    case Kind::kUndefined: return "Undefined";
    case Kind::kNone: return "NoneType";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "str";
    case Kind::kList: return IsTuple() ? "tuple" : "list";
    case Kind::kDict: return "dict";
    case Kind::kNamespace: return "Namespace";
    case Kind::kCallable: return "function";
  }
  return "object";
}

void Value::FailUndefined() const {
  const std::string& hint = UndefinedHint();
  throw RenderError(hint.empty() ? "undefined value" : hint);
}

std::string FloatRepr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  // sci is "[-]d[.ddd]e[+-]XX": split into sign, digits and decimal exponent.
  bool neg = sci[0] == '-';
  size_t e = sci.find('e');
  std::string mant = sci.substr(neg ? 1 : 0, e - (neg ? 1 : 0));
  int exp = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits.push_back(c);
  }
  int decpt = exp + 1;  // position of the decimal point relative to the digits
  std::string out = neg ? "-" : "";
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out.append("0.").append(static_cast<size_t>(-decpt), '0').append(digits);
    } else if (static_cast<size_t>(decpt) >= digits.size()) {
      out.append(digits).append(decpt - digits.size(), '0').append(".0");
    } else {
      out.append(digits, 0, decpt).append(".").append(digits, decpt);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out.append(".").append(digits, 1);
  char ebuf[16];
  std::snprintf(ebuf, sizeof(ebuf), "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  return out + ebuf;
}

std::string StringRepr(std::string_view s) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t c : DecodeUtf8(s)) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c >= 0xDC80 && c <= 0xDCFF) {
      out += fmt::format("\\udc{:02x}", static_cast<unsigned>(c - 0xDC00));
    } else if (c < 0x80 ? (c < 0x20 || c == 0x7F) : !IsPrintable(c)) {
      if (c <= 0xFF) {
        out += fmt::format("\\x{:02x}", static_cast<unsigned>(c));
      } else if (c <= 0xFFFF) {
        out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
      } else {
        out += fmt::format("\\U{:08x}", static_cast<unsigned>(c));
      }
    } else {
      AppendUtf8(out, c);
    }
  }
  out.push_back(quote);
  return out;
}

namespace {
std::string DictRepr(const Dict& d) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : d.items) {
    if (!first) out += ", ";
    first = false;
    out += k.Repr() + ": " + v.Repr();
    CheckStringSize(out.size());
  }
  return out + "}";
}
}  // namespace

std::string Value::Str() const {
  switch (kind()) {
    case Kind::kUndefined: return "";
    case Kind::kString: return AsString();
    default: return Repr();
  }
}

std::string Value::Repr() const {
  // Namespaces can hold themselves; Python would recurse until its limit, so fail cleanly.
  struct Guard {
    Guard() {
      if (++g_repr_depth > 2 * kMaxValueDepth) {
        --g_repr_depth;
        Throw("maximum recursion depth exceeded while getting the repr of an object");
      }
    }
    ~Guard() { --g_repr_depth; }
  } guard;
  switch (kind()) {
    case Kind::kUndefined: return "Undefined";
    case Kind::kNone: return "None";
    case Kind::kBool: return AsBool() ? "True" : "False";
    case Kind::kInt: return std::to_string(AsInt());
    case Kind::kFloat: return FloatRepr(AsFloat());
    case Kind::kString: return StringRepr(AsString());
    case Kind::kList: {
      const auto& items = AsList();
      std::string out = IsTuple() ? "(" : "[";
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        out += items[i].Repr();
        CheckStringSize(out.size());
      }
      if (IsTuple() && items.size() == 1) out += ",";
      return out + (IsTuple() ? ")" : "]");
    }
    case Kind::kDict: return DictRepr(AsDict());
    case Kind::kNamespace: return "<Namespace " + DictRepr(AsNamespace().attrs) + ">";
    case Kind::kCallable: return "<function " + AsCallable().name + ">";
  }
  return "";
}

bool Equals(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.IsNumber() && b.IsNumber()) {
    if (a.IsFloat() || b.IsFloat()) return a.ToDouble() == b.ToDouble();
    int64_t x = a.IsBool() ? a.AsBool() : a.AsInt();
    int64_t y = b.IsBool() ? b.AsBool() : b.AsInt();
    return x == y;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case K::kUndefined: case K::kNone: return true;
    case K::kString: return a.AsString() == b.AsString();
    case K::kList: {
      if (a.IsTuple() != b.IsTuple()) return false;
      const auto& x = a.AsList();
      const auto& y = b.AsList();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!Equals(x[i], y[i])) return false;
      }
      return true;
    }
    case K::kDict: {
      const auto& x = a.AsDict().items;
      const auto& y = b.AsDict();
      if (x.size() != y.items.size()) return false;
      for (const auto& [k, v] : x) {
        const Value* other = y.Find(k);
        if (!other || !Equals(v, *other)) return false;
      }
      return true;
    }
    case K::kNamespace: return &a.AsNamespace() == &b.AsNamespace();
    case K::kCallable: return &a.AsCallable() == &b.AsCallable();
    default: return false;
  }
}

bool Less(const Value& a, const Value& b) {
  if (a.IsUndefined()) a.FailUndefined();
  if (b.IsUndefined()) b.FailUndefined();
  if (a.IsNumber() && b.IsNumber()) {
    if (a.IsFloat() || b.IsFloat()) return a.ToDouble() < b.ToDouble();
    int64_t x = a.IsBool() ? a.AsBool() : a.AsInt();
    int64_t y = b.IsBool() ? b.AsBool() : b.AsInt();
    return x < y;
  }
  if (a.IsString() && b.IsString()) return a.AsString() < b.AsString();  // UTF-8 keeps code point order
  if (a.IsList() && b.IsList() && a.IsTuple() == b.IsTuple()) {
    const auto& x = a.AsList();
    const auto& y = b.AsList();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!Equals(x[i], y[i])) return Less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  Throw("'<' not supported between instances of '{}' and '{}'", a.TypeName(), b.TypeName());
}

nlohmann::ordered_json ToJson(const Value& v) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::kNone: return nullptr;
    case K::kBool: return v.AsBool();
    case K::kInt: return v.AsInt();
    case K::kFloat: return v.AsFloat();
    case K::kString: return v.AsString();
    case K::kList: {
      auto arr = nlohmann::ordered_json::array();
      for (const auto& e : v.AsList()) arr.push_back(ToJson(e));
      return arr;
    }
    case K::kDict: {
      auto obj = nlohmann::ordered_json::object();
      for (const auto& [k, e] : v.AsDict().items) obj[k.IsString() ? k.AsString() : k.Str()] = ToJson(e);
      return obj;
    }
    default: Throw("Object of type {} is not JSON serializable", v.TypeName());
  }
}

}  // namespace faq::tmpl
