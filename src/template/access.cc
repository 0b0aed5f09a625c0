// Attribute/item access, slicing, iteration and membership with Python/Jinja semantics.
#include "template/interpreter.h"
#include "template/unicode.h"

namespace faq::tmpl {

namespace {
// Jinja's object_type_repr, used in Undefined hints.
std::string ObjectTypeRepr(const Value& obj) {
  if (obj.IsNone()) return "None";
  return obj.TypeName() + " object";
}

Value MissingAttr(const Value& obj, const std::string& name) {
  return Value::MakeUndefined(fmt::format("'{}' has no attribute '{}'", ObjectTypeRepr(obj), name));
}

std::vector<Value> Chars(const std::string& s) {
  std::vector<Value> out;
  if (IsAscii(s)) {
    for (char c : s) out.emplace_back(std::string(1, c));
    return out;
  }
  for (char32_t c : DecodeUtf8(s)) out.emplace_back(EncodeUtf8(std::u32string(1, c)));
  return out;
}

bool IntLike(const Value& v, int64_t& out) {
  if (v.IsInt()) out = v.AsInt();
  else if (v.IsBool()) out = v.AsBool();
  else return false;
  return true;
}
}  // namespace

Value GetAttr(const Value& obj, const std::string& name) {
  if (obj.IsUndefined()) obj.FailUndefined();
  Value method;
  if (LookupMethod(obj, name, method)) return method;
  if (obj.IsDict()) {
    const Value* v = obj.AsDict().Find(std::string_view(name));
    return v ? *v : MissingAttr(obj, name);
  }
  if (obj.IsNamespace()) {
    const Value* v = obj.AsNamespace().attrs.Find(std::string_view(name));
    return v ? *v : MissingAttr(obj, name);
  }
  return MissingAttr(obj, name);
}

Value GetItem(const Value& obj, const Value& key) {
  if (obj.IsUndefined()) obj.FailUndefined();
  if (key.IsUndefined() && !obj.IsDict()) key.FailUndefined();
  int64_t index = 0;
  if (obj.IsDict()) {
    if (key.IsList() && !key.IsTuple()) Throw("unhashable type: 'list'");
    if (const Value* v = obj.AsDict().Find(key)) return *v;
  } else if (obj.IsList() && IntLike(key, index)) {
    const auto& items = obj.AsList();
    int64_t n = static_cast<int64_t>(items.size());
    if (index < 0) index += n;
    if (index >= 0 && index < n) return items[index];
  } else if (obj.IsString() && IntLike(key, index)) {
    const std::string& s = obj.AsString();
    if (IsAscii(s)) {
      int64_t n = static_cast<int64_t>(s.size());
      if (index < 0) index += n;
      if (index >= 0 && index < n) return Value(std::string(1, s[index]));
    } else {
      std::u32string cps = DecodeUtf8(s);
      int64_t n = static_cast<int64_t>(cps.size());
      if (index < 0) index += n;
      if (index >= 0 && index < n) return Value(EncodeUtf8(cps.substr(index, 1)));
    }
  }
  if (key.IsString()) {
    // Jinja falls back to getattr for string keys (so d['items'] can reach the method).
    Value method;
    if (!obj.IsDict() && LookupMethod(obj, key.AsString(), method)) return method;
    if (obj.IsNamespace()) return GetAttr(obj, key.AsString());
    return MissingAttr(obj, key.AsString());
  }
  return Value::MakeUndefined(fmt::format("{} has no element {}", ObjectTypeRepr(obj), key.Repr()));
}

Value SliceValue(const Value& obj, const Value& start_v, const Value& stop_v, const Value& step_v) {
  if (obj.IsUndefined()) obj.FailUndefined();
  auto as_index = [](const Value& v, int64_t dflt) {
    if (v.IsNone()) return dflt;
    int64_t i = 0;
    if (!IntLike(v, i)) Throw("slice indices must be integers or None");
    return i;
  };
  int64_t step = as_index(step_v, 1);
  if (step == 0) Throw("slice step cannot be zero");
  std::vector<Value> items;
  std::u32string cps;
  bool is_str = obj.IsString();
  int64_t n = 0;
  if (is_str) {
    cps = DecodeUtf8(obj.AsString());
    n = static_cast<int64_t>(cps.size());
  } else if (obj.IsList()) {
    n = static_cast<int64_t>(obj.AsList().size());
  } else {
    Throw("'{}' object is not subscriptable", obj.TypeName());
  }
  int64_t lower = step > 0 ? 0 : -1, upper = step > 0 ? n : n - 1;
  auto clamp = [&](const Value& v, int64_t dflt) {
    if (v.IsNone()) return dflt;
    int64_t i = as_index(v, 0);
    if (i < 0) i = std::max(i + n, lower);
    else i = std::min(i, upper);
    return i;
  };
  int64_t start = clamp(start_v, step > 0 ? lower : upper);
  int64_t stop = clamp(stop_v, step > 0 ? upper : lower);
  std::u32string out_cps;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (is_str) out_cps.push_back(cps[i]);
    else items.push_back(obj.AsList()[i]);
  }
  if (is_str) return Value(EncodeUtf8(out_cps));
  return Value::MakeList(std::move(items), obj.IsTuple());
}

std::vector<Value> Iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return {};
    case Value::Kind::kList: return v.AsList();
    case Value::Kind::kString: return Chars(v.AsString());
    case Value::Kind::kDict: {
      std::vector<Value> keys;
      for (const auto& kv : v.AsDict().items) keys.push_back(kv.first);
      return keys;
    }
    default: Throw("'{}' object is not iterable", v.TypeName());
  }
}

bool Contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::kUndefined: return false;
    case Value::Kind::kString:
      if (!item.IsString()) Throw("'in <string>' requires string as left operand, not {}", item.TypeName());
      return container.AsString().find(item.AsString()) != std::string::npos;
    case Value::Kind::kList:
      for (const auto& e : container.AsList()) {
        if (Equals(e, item)) return true;
      }
      return false;
    case Value::Kind::kDict:
      return container.AsDict().Find(item) != nullptr;
    default: Throw("argument of type '{}' is not iterable", container.TypeName());
  }
}

}  // namespace faq::tmpl
