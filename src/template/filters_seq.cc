// Sequence filters: join, first, last, list, map, select/reject(attr), sort, unique, ...
#include <algorithm>

#include "template/filters.h"
#include "template/unicode.h"

namespace faq::tmpl {

Value GetAttributePath(const Value& v, const std::string& path) {
  Value cur = v;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool digits = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit) && part.size() < 18;
    cur = GetItem(cur, digits ? Value(static_cast<int64_t>(std::stoll(part))) : Value(part));
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

Value CaseKey(const Value& v, bool case_sensitive) {
  return !case_sensitive && v.IsString() ? Value(Lower(v.AsString())) : v;
}

namespace {

bool Flag(const CallArgs& a, size_t i, const char* name) {
  const Value* v = a.Get(i, name);
  return v && v->Truthy();
}

const std::string* Attribute(const CallArgs& a, size_t i) {
  const Value* v = a.Get(i, "attribute");
  if (!v || v->IsNone()) return nullptr;
  if (!v->IsString()) Throw("attribute must be a string");
  return &v->AsString();
}

Value Keyed(const Value& item, const std::string* attr, bool case_sensitive) {
  return CaseKey(attr ? GetAttributePath(item, *attr) : item, case_sensitive);
}

// select/reject/selectattr/rejectattr share Jinja's select_or_reject.
Value SelectOrReject(Interpreter& in, const Value& v, CallArgs& a, bool select, bool by_attr) {
  size_t off = 0;
  std::string attr;
  if (by_attr) {
    if (a.positional.empty() || !a.positional[0].IsString()) Throw("selectattr/rejectattr need an attribute name");
    attr = a.positional[0].AsString();
    off = 1;
  }
  std::string test;
  CallArgs test_args;
  if (a.positional.size() > off) {
    if (!a.positional[off].IsString()) Throw("test name must be a string");
    test = a.positional[off].AsString();
    if (!HasTest(test)) Throw("No test named '{}'.", test);
    test_args.positional.assign(a.positional.begin() + off + 1, a.positional.end());
    test_args.keyword = a.keyword;
  }
  std::vector<Value> out;
  for (const Value& item : Iterate(v)) {
    Value subject = by_attr ? GetAttributePath(item, attr) : item;
    CallArgs args = test_args;
    bool ok = test.empty() ? subject.Truthy() : ApplyTest(in, test, subject, args);
    if (ok == select) out.push_back(item);
  }
  return Value::MakeList(std::move(out));
}

Value Map(Interpreter& in, const Value& v, CallArgs& a) {
  std::vector<Value> out;
  if (a.positional.empty()) {
    const std::string* attr = Attribute(a, 99);
    if (!attr) return Value::MakeList({});
    const Value* dflt = a.Get(99, "default");
    for (const Value& item : Iterate(v)) {
      Value r = GetAttributePath(item, *attr);
      out.push_back(r.IsUndefined() && dflt ? *dflt : r);
    }
    return Value::MakeList(std::move(out));
  }
  if (!a.positional[0].IsString()) Throw("map: filter name must be a string");
  std::string filter = a.positional[0].AsString();
  if (!HasFilter(filter)) Throw("No filter named '{}'.", filter);
  for (const Value& item : Iterate(v)) {
    CallArgs args;
    args.positional.assign(a.positional.begin() + 1, a.positional.end());
    args.keyword = a.keyword;
    out.push_back(ApplyFilter(in, filter, item, args));
  }
  return Value::MakeList(std::move(out));
}

std::vector<Value> Sorted(const Value& v, const CallArgs& a, size_t reverse_i, size_t case_i, size_t attr_i) {
  bool reverse = Flag(a, reverse_i, "reverse");
  bool cs = Flag(a, case_i, "case_sensitive");
  const std::string* attr = Attribute(a, attr_i);
  std::vector<Value> items = Iterate(v);
  std::vector<std::pair<Value, size_t>> keyed;
  for (size_t i = 0; i < items.size(); ++i) keyed.emplace_back(Keyed(items[i], attr, cs), i);
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? Less(y.first, x.first) : Less(x.first, y.first);
  });
  std::vector<Value> out;
  for (const auto& k : keyed) out.push_back(items[k.second]);
  return out;
}

Value MinMax(const Value& v, const CallArgs& a, bool want_max) {
  bool cs = Flag(a, 0, "case_sensitive");
  const std::string* attr = Attribute(a, 1);
  std::vector<Value> items = Iterate(v);
  if (items.empty()) return Value::MakeUndefined("No aggregated item, sequence was empty.");
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    Value k = Keyed(items[i], attr, cs), b = Keyed(items[best], attr, cs);
    if (want_max ? Less(b, k) : Less(k, b)) best = i;
  }
  return items[best];
}

Value Join(Interpreter& in, const Value& v, CallArgs& a) {
  std::string sep = a.Get(0, "d") ? a.Get(0, "d")->Str() : "";
  const std::string* attr = Attribute(a, 1);
  std::string out;
  bool first = true;
  for (const Value& item : Iterate(v)) {
    if (!first) out += sep;
    first = false;
    out += (attr ? GetAttributePath(item, *attr) : item).Str();
    in.CheckSize(out.size());
  }
  return Value(std::move(out));
}

Value Sum(Interpreter& in, const Value& v, CallArgs& a) {
  const std::string* attr = Attribute(a, 0);
  Value total = a.Get(1, "start") ? *a.Get(1, "start") : Value(0);
  for (const Value& item : Iterate(v)) {
    total = BinaryOp("+", total, attr ? GetAttributePath(item, *attr) : item, in.limits().max_output_bytes);
  }
  return total;
}

Value Unique(const Value& v, const CallArgs& a) {
  bool cs = Flag(a, 0, "case_sensitive");
  const std::string* attr = Attribute(a, 1);
  std::vector<Value> seen, out;
  for (const Value& item : Iterate(v)) {
    Value key = Keyed(item, attr, cs);
    if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return Equals(s, key); })) {
      seen.push_back(key);
      out.push_back(item);
    }
  }
  return Value::MakeList(std::move(out));
}

Value Reverse(const Value& v) {
  if (v.IsString()) {
    std::u32string cps = DecodeUtf8(v.AsString());
    std::reverse(cps.begin(), cps.end());
    return Value(EncodeUtf8(cps));
  }
  std::vector<Value> items = Iterate(v);
  std::reverse(items.begin(), items.end());
  return Value::MakeList(std::move(items));
}

Value First(const Value& v, bool last) {
  if (v.IsUndefined()) v.FailUndefined();
  std::vector<Value> items = Iterate(v);
  if (items.empty()) return Value::MakeUndefined(last ? "No last item, sequence was empty." : "No first item, sequence was empty.");
  return last ? items.back() : items.front();
}

Value DictSort(const Value& v, const CallArgs& a) {
  if (!v.IsDict()) Throw("dictsort expects a mapping");
  bool cs = Flag(a, 0, "case_sensitive");
  const Value* by = a.Get(1, "by");
  bool by_value = by && by->IsString() && by->AsString() == "value";
  bool reverse = Flag(a, 2, "reverse");
  std::vector<Value> pairs;
  for (const auto& [k, e] : v.AsDict().items) pairs.push_back(Value::MakeList({k, e}, true));
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& x, const Value& y) {
    Value kx = CaseKey(x.AsList()[by_value ? 1 : 0], cs), ky = CaseKey(y.AsList()[by_value ? 1 : 0], cs);
    return reverse ? Less(ky, kx) : Less(kx, ky);
  });
  return Value::MakeList(std::move(pairs));
}

struct Entry {
  const char* name;
  FilterFn fn;
};

const Entry kEntries[] = {
    {"join", [](Interpreter& in, const Value& v, CallArgs& a) { return Join(in, v, a); }},
    {"first", [](Interpreter&, const Value& v, CallArgs&) { return First(v, false); }},
    {"last", [](Interpreter&, const Value& v, CallArgs&) { return First(v, true); }},
    {"list", [](Interpreter&, const Value& v, CallArgs&) { return Value::MakeList(Iterate(v)); }},
    {"map", Map},
    {"select", [](Interpreter& in, const Value& v, CallArgs& a) { return SelectOrReject(in, v, a, true, false); }},
    {"reject", [](Interpreter& in, const Value& v, CallArgs& a) { return SelectOrReject(in, v, a, false, false); }},
    {"selectattr", [](Interpreter& in, const Value& v, CallArgs& a) { return SelectOrReject(in, v, a, true, true); }},
    {"rejectattr", [](Interpreter& in, const Value& v, CallArgs& a) { return SelectOrReject(in, v, a, false, true); }},
    {"sort", [](Interpreter&, const Value& v, CallArgs& a) { return Value::MakeList(Sorted(v, a, 0, 1, 2)); }},
    {"unique", [](Interpreter&, const Value& v, CallArgs& a) { return Unique(v, a); }},
    {"reverse", [](Interpreter&, const Value& v, CallArgs&) { return Reverse(v); }},
    {"sum", Sum},
    {"min", [](Interpreter&, const Value& v, CallArgs& a) { return MinMax(v, a, false); }},
    {"max", [](Interpreter&, const Value& v, CallArgs& a) { return MinMax(v, a, true); }},
    {"dictsort", [](Interpreter&, const Value& v, CallArgs& a) { return DictSort(v, a); }},
};

}  // namespace

FilterFn FindSequenceFilter(const std::string& name) {
  for (const auto& e : kEntries) {
    if (name == e.name) return e.fn;
  }
  return nullptr;
}

bool IsSequenceFilter(const std::string& name) { return FindSequenceFilter(name) != nullptr; }

}  // namespace faq::tmpl
