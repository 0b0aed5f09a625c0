// Jinja's builtin filters (jinja2/filters.py) plus transformers' tojson.
#include "template/filters.h"

#include <cmath>
#include <cstdio>

#include "template/str_ops.h"
#include "template/tojson.h"
#include "template/unicode.h"

namespace faq::tmpl {

namespace {

const char* const kScalarFilters[] = {
    "length", "count", "trim", "tojson", "default", "d", "upper", "lower", "capitalize", "title",
    "replace", "string", "int", "float", "abs", "round", "indent", "safe", "escape", "e",
    "forceescape", "center", "wordcount", "truncate", "format", "attr", "items", "pprint"};

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

Value ToJsonFilter(const Value& v, CallArgs& a) {
  JsonDumpOptions o;
  if (const Value* ea = a.Get(0, "ensure_ascii")) o.ensure_ascii = ea->Truthy();
  if (const Value* ind = a.Get(1, "indent"); ind && !ind->IsNone()) {
    if (ind->IsString()) o.indent = ind->AsString();
    else if (ind->IsInt()) o.indent = std::string(std::max<int64_t>(0, std::min<int64_t>(ind->AsInt(), 1 << 16)), ' ');
    else Throw("tojson: indent must be an int or a string");
    o.item_sep.assign(1, ',');  // json.dumps drops the space when indenting
  }
  if (const Value* sep = a.Get(2, "separators"); sep && !sep->IsNone()) {
    if (!sep->IsList() || sep->AsList().size() != 2 || !sep->AsList()[0].IsString() || !sep->AsList()[1].IsString()) {
      Throw("tojson: separators must be a pair of strings");
    }
    o.item_sep = sep->AsList()[0].AsString();
    o.key_sep = sep->AsList()[1].AsString();
  }
  if (const Value* sk = a.Get(3, "sort_keys")) o.sort_keys = sk->Truthy();
  return Value(PyJsonDumps(v, o));
}

// Python int(str): optional sign, digits with single underscores, surrounding whitespace.
bool ParseIntString(const std::string& raw, int base, int64_t& out) {
  std::string s = PyStrip(raw, nullptr, StripSide::kBoth);
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (base == 16 && s.size() > i + 1 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) i += 2;
  if (i >= s.size()) return false;
  unsigned __int128 v = 0;
  bool prev_us = true;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_' && !prev_us) {
      prev_us = true;
      continue;
    }
    int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::isalpha(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10 : 99;
    if (d >= base) return false;
    v = v * base + d;
    if (v > static_cast<unsigned __int128>(INT64_MAX)) return false;
    prev_us = false;
  }
  if (prev_us) return false;
  out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

bool ParseFloatString(const std::string& raw, double& out) {
  std::string s = PyStrip(raw, nullptr, StripSide::kBoth);
  if (s.empty()) return false;
  std::string cleaned;
  for (char c : s) {
    if (c != '_') cleaned.push_back(c);
  }
  char* end = nullptr;
  out = std::strtod(cleaned.c_str(), &end);
  return end && *end == '\0' && cleaned.find_first_of("xXpP") == std::string::npos;
}

Value IntFilter(const Value& v, CallArgs& a) {
  Value dflt = a.Get(0, "default") ? *a.Get(0, "default") : Value(0);
  int64_t base = a.Get(1, "base") && a.Get(1, "base")->IsInt() ? a.Get(1, "base")->AsInt() : 10;
  if (v.IsInt()) return v;
  if (v.IsBool()) return Value(static_cast<int64_t>(v.AsBool()));
  if (v.IsFloat()) {
    double d = v.AsFloat();
    if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return dflt;
    return Value(static_cast<int64_t>(d));
  }
  if (v.IsString()) {
    int64_t i = 0;
    if (base >= 2 && base <= 36 && ParseIntString(v.AsString(), static_cast<int>(base), i)) return Value(i);
    double d = 0;
    if (ParseFloatString(v.AsString(), d) && std::isfinite(d) && std::fabs(d) < 9.2e18) return Value(static_cast<int64_t>(d));
  }
  return dflt;
}

Value RoundFilter(const Value& v, CallArgs& a) {
  int64_t precision = a.Get(0, "precision") && a.Get(0, "precision")->IsInt() ? a.Get(0, "precision")->AsInt() : 0;
  std::string method = a.Get(1, "method") && a.Get(1, "method")->IsString() ? a.Get(1, "method")->AsString() : "common";
  if (method != "common" && method != "ceil" && method != "floor") Throw("method must be common, ceil or floor");
  double d = v.ToDouble();
  if (method == "common") {
    if (precision == 0 || !std::isfinite(d)) return Value(std::nearbyint(d) + 0.0);
    if (precision < 0 || precision > 300) Throw("round precision out of the supported range");
    // Python rounds the exact binary value half-to-even; printf does the same.
    std::string text = fmt::format("{:.{}f}", d, precision);
    return Value(std::strtod(text.c_str(), nullptr));
  }
  double scale = std::pow(10.0, static_cast<double>(precision));
  return Value((method == "ceil" ? std::ceil(d * scale) : std::floor(d * scale)) / scale);
}

Value IndentFilter(const Value& v, CallArgs& a) {
  std::string indention = "    ";
  if (const Value* w = a.Get(0, "width")) {
    if (w->IsString()) indention = w->AsString();
    else if (w->IsInt()) indention = std::string(std::max<int64_t>(0, std::min<int64_t>(w->AsInt(), 1 << 16)), ' ');
  }
  bool first = a.Get(1, "first") && a.Get(1, "first")->Truthy();
  bool blank = a.Get(2, "blank") && a.Get(2, "blank")->Truthy();
  std::string s = v.Str() + "\n";  // Jinja's quirk so that splitlines keeps a trailing empty line
  std::vector<std::string> lines = PySplitLines(s, false);
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) rv.append("\n").append(indention);
      rv += lines[i];
      CheckStringSize(rv.size());
    }
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) {
      rv += '\n';
      if (!lines[i].empty()) rv.append(indention).append(lines[i]);
      CheckStringSize(rv.size());
    }
  }
  if (first) rv = indention + rv;
  return Value(std::move(rv));
}

}  // namespace

bool HasFilter(const std::string& name) {
  for (const char* f : kScalarFilters) {
    if (name == f) return true;
  }
  return IsSequenceFilter(name);
}

Value ApplyFilter(Interpreter& in, const std::string& name, const Value& v, CallArgs& a) {
  if (FilterFn fn = FindSequenceFilter(name)) return fn(in, v, a);
  if (name == "default" || name == "d") {
    Value dflt = a.Get(0, "default_value") ? *a.Get(0, "default_value") : Value("");
    bool boolean = a.Get(1, "boolean") && a.Get(1, "boolean")->Truthy();
    return (v.IsUndefined() || (boolean && !v.Truthy())) ? dflt : v;
  }
  if (name == "length" || name == "count") {
    switch (v.kind()) {
      case Value::Kind::kUndefined: return Value(0);
      case Value::Kind::kString: return Value(static_cast<int64_t>(CodePointCount(v.AsString())));
      case Value::Kind::kList: return Value(static_cast<int64_t>(v.AsList().size()));
      case Value::Kind::kDict: return Value(static_cast<int64_t>(v.AsDict().items.size()));
      default: Throw("object of type '{}' has no len()", v.TypeName());
    }
  }
  if (name == "tojson") return ToJsonFilter(v, a);
  if (name == "safe" || name == "string") return Value(v.Str());
  if (name == "pprint") return Value(v.Repr());
  if (name == "escape" || name == "e" || name == "forceescape") return Value(Escape(v.Str()));
  if (name == "trim") {
    const Value* chars = a.Get(0, "chars");
    std::string c = chars && chars->IsString() ? chars->AsString() : "";
    return Value(PyStrip(v.Str(), chars && chars->IsString() ? &c : nullptr, StripSide::kBoth));
  }
  if (name == "upper") return Value(Upper(v.Str()));
  if (name == "lower") return Value(Lower(v.Str()));
  if (name == "capitalize") return Value(PyCapitalize(v.Str()));
  if (name == "title") {
    // Jinja capitalises after whitespace and -({[< rather than using str.title().
    std::u32string cps = DecodeUtf8(v.Str());
    bool start = true;
    for (char32_t& c : cps) {
      bool sep = IsSpace(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
      if (!sep) c = start ? ToUpper(c) : ToLower(c);
      start = sep;
    }
    return Value(EncodeUtf8(cps));
  }
  if (name == "replace") {
    const Value* old = a.Get(0, "old");
    const Value* repl = a.Get(1, "new");
    if (!old || !repl) Throw("replace() missing required arguments");
    int64_t count = a.Get(2, "count") && a.Get(2, "count")->IsInt() ? a.Get(2, "count")->AsInt() : -1;
    return Value(PyReplace(v.Str(), old->Str(), repl->Str(), count));
  }
  if (name == "int") return IntFilter(v, a);
  if (name == "float") {
    Value dflt = a.Get(0, "default") ? *a.Get(0, "default") : Value(0.0);
    if (v.IsNumber()) return Value(v.ToDouble());
    double d = 0;
    if (v.IsString() && ParseFloatString(v.AsString(), d)) return Value(d);
    return dflt;
  }
  if (name == "abs") {
    if (v.IsFloat()) return Value(std::fabs(v.AsFloat()));
    if (v.IsInt() || v.IsBool()) return Negate(v, v.IsInt() && v.AsInt() < 0);
    Throw("bad operand type for abs(): '{}'", v.TypeName());
  }
  if (name == "round") return RoundFilter(v, a);
  if (name == "indent") return IndentFilter(v, a);
  if (name == "wordcount") {  // Jinja counts regex \w+ runs
    int64_t words = 0;
    bool in_word = false;
    for (char32_t c : DecodeUtf8(v.Str())) {
      bool w = c == '_' || IsAlnum(c);
      words += w && !in_word;
      in_word = w;
    }
    return Value(words);
  }
  if (name == "center") {
    int64_t width = a.Get(0, "width") && a.Get(0, "width")->IsInt() ? a.Get(0, "width")->AsInt() : 80;
    std::string s = v.Str();
    int64_t len = static_cast<int64_t>(CodePointCount(s));
    if (width <= len) return Value(s);
    in.CheckSize(static_cast<size_t>(width));
    int64_t marg = width - len, left = marg / 2 + (marg & width & 1);
    return Value(std::string(left, ' ') + s + std::string(marg - left, ' '));
  }
  if (name == "format") return BinaryOp("%", Value(v.Str()), a.positional.size() == 1 ? a.positional[0] : Value::MakeList(a.positional, true), in.limits().max_output_bytes);
  if (name == "attr") {
    const Value* n = a.Get(0, "name");
    if (!n || !n->IsString()) Throw("attr filter needs a name");
    return GetAttr(v, n->AsString());
  }
  if (name == "items") {
    if (v.IsUndefined()) return Value::MakeList({});
    if (!v.IsDict()) Throw("Can only get item pairs from a mapping.");
    std::vector<Value> items;
    for (const auto& [k, e] : v.AsDict().items) items.push_back(Value::MakeList({k, e}, true));
    return Value::MakeList(std::move(items));
  }
  if (name == "truncate") {
    int64_t length = a.Get(0, "length") && a.Get(0, "length")->IsInt() ? a.Get(0, "length")->AsInt() : 255;
    std::u32string cps = DecodeUtf8(v.Str());
    if (static_cast<int64_t>(cps.size()) <= length + 5) return Value(v.Str());
    return Value(EncodeUtf8(cps.substr(0, std::max<int64_t>(0, length - 3))) + "...");
  }
  Throw("filter '{}' is not implemented", name);
}

}  // namespace faq::tmpl
